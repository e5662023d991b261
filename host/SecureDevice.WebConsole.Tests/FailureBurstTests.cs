using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Api;
using SecureDevice.WebConsole.Web;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Bursts of failures raise an alert and pause that source (issue 14, control 5; docs/console.md).</summary>
public sealed class FailureBurstTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static Func<ConsoleOptions, ConsoleOptions> Burst(int threshold, int alertLimit = 10) => o => o with
    {
        BurstThreshold = threshold,
        BurstWindow = TimeSpan.FromMinutes(5),
        BurstPause = TimeSpan.FromMinutes(10),
        BurstAlertLimit = alertLimit,
    };

    private static async Task<IReadOnlyList<AlertRecord>> StaffAlertsAsync(ConsoleTestHost host) =>
        (await host.Store.ListAlertsAsync(FailureBurstGuard.StaffCustomer, 100, None)).ToList();

    private static async Task<IReadOnlyList<AuditRecord>> BurstAuditAsync(ConsoleTestHost host) =>
        (await host.Accounts.Store.ListAuditAsync(null, 500, None)).Where(a => a.Action == "burst.paused").ToList();

    [Fact]
    public async Task Burst_OfMixedFailuresFromOneAddress_OneAlertInTheStaffFeed_PausesThatAddressOnly_UntilThePauseEnds()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: Burst(6));
        TestUser op = await host.CreateUserAsync("acme-op", ConsoleRole.Operator, ConsoleTestHost.Acme);
        TestUser root = await host.CreateUserAsync("root", ConsoleRole.Admin, null);
        TestUser acmeAdmin = await host.CreateUserAsync("acme-admin", ConsoleRole.Admin, ConsoleTestHost.Acme);
        using ConsoleClient attacker = host.Client(IPAddress.Parse("127.0.0.2"));
        attacker.Headers["X-Forwarded-For"] = "203.0.113.1"; // not trusted: the source stays the TCP peer

        // Five failures of four kinds: wrong password, wrong TOTP code, malformed and unknown API tokens, missing antiforgery token.
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.LoginAsync(op, password: "wrong horse battery")).Status);
        attacker.Headers["X-Forwarded-For"] = "203.0.113.2";
        string staleCode = TestUser.Code(op.Secret, host.Clock.GetUtcNow().AddMinutes(-10));
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.PostFormAsync("/login", "/login", ("UserName", op.Name), ("Password", op.Password), ("Code", staleCode))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.ApiAsync("GET", "/api/v1/devices", "sdp_not-a-token")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.ApiAsync("GET", "/api/v1/devices", ApiTokenFormat.Create(RandomNumberGenerator.Create()))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await attacker.PostRawAsync("/login", new Dictionary<string, string> { ["UserName"] = "x", ["Password"] = "y" })).Status);
        Assert.Empty(await StaffAlertsAsync(host));
        Assert.Equal(HttpStatusCode.OK, (await attacker.GetAsync("/login")).Status);

        // The sixth is answered as usual, then the address is paused: every request, pages and API alike, 429 + Retry-After.
        Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.ApiAsync("GET", "/api/v1/devices", "sdp_still-not-a-token")).Status);
        foreach (string path in new[] { "/login", "/console.css", "/", "/api/v1/devices" })
        {
            attacker.Headers["X-Forwarded-For"] = "198.51.100." + path.Length;
            Answer refused = await attacker.GetAsync(path);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
            int retryAfter = int.Parse(refused.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(retryAfter, 590, 600);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await attacker.PostRawAsync("/login", new Dictionary<string, string> { ["UserName"] = op.Name, ["Password"] = op.Password })).Status);

        // Other addresses are not paused, even one claiming to be the attacker through X-Forwarded-For.
        using ConsoleClient colleague = host.Client(IPAddress.Parse("127.0.0.3"));
        colleague.Headers["X-Forwarded-For"] = "127.0.0.2";
        Assert.Equal(HttpStatusCode.Redirect, (await colleague.LoginAsync(op)).Status);
        Assert.Equal(HttpStatusCode.OK, (await colleague.GetAsync("/")).Status);

        // One alert for the burst, for staff only; one audit line with the source.
        AlertRecord alert = Assert.Single(await StaffAlertsAsync(host));
        Assert.Equal(FailureBurstGuard.AlertKind, alert.Kind);
        Assert.Contains("address 127.0.0.2", alert.DedupeKey, StringComparison.Ordinal);
        AuditRecord audit = Assert.Single(await BurstAuditAsync(host));
        Assert.Equal("127.0.0.2", audit.Address);
        Assert.Contains("address 127.0.0.2: 6 security failures within 300 s (the last: api-token); paused for 600 s", audit.Subject, StringComparison.Ordinal);

        using ConsoleClient staff = host.Client(IPAddress.Parse("127.0.0.4"));
        Assert.Equal(HttpStatusCode.Redirect, (await staff.LoginAsync(root)).Status);
        Assert.Contains(FailureBurstGuard.AlertKind, (await staff.GetAsync("/feed")).Body, StringComparison.Ordinal);
        Assert.Contains("burst.paused", (await staff.GetAsync("/admin/audit")).Body, StringComparison.Ordinal);
        using ConsoleClient tenant = host.Client(IPAddress.Parse("127.0.0.5"));
        Assert.Equal(HttpStatusCode.Redirect, (await tenant.LoginAsync(acmeAdmin)).Status);
        Assert.DoesNotContain(FailureBurstGuard.AlertKind, (await tenant.GetAsync("/feed")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain("burst.paused", (await tenant.GetAsync("/admin/audit")).Body, StringComparison.Ordinal);

        // The pause ends on time.
        host.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, (await attacker.GetAsync("/login")).Status);
        Assert.Single(await StaffAlertsAsync(host));
    }

    /// <summary>
    /// The burst alert goes out through the service's alert dispatcher (one path with device alerts): e-mail to the staff
    /// contact, received by Debian's aiosmtpd and parsed by MimeKit; without a staff contact nothing is sent (feed only).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Burst_IsMailedToTheStaffContact_ThroughTheServicesDispatcher(bool staffContact)
    {
        using var folder = new SecureDevice.TestSupport.TemporaryDirectory("burst-mail");
        using var mail = SecureDevice.Lab.Alerts.SmtpInbox.Start(folder.Combine("mail"));
        var dispatcher = new SecureDevice.Fleet.Response.Alerts.AlertDispatcher(
            new SecureDevice.Fleet.Response.Alerts.MemoryCustomerContacts(new SecureDevice.Fleet.Response.Alerts.CustomerContacts("fleet-ops", null, null, new[] { "noc@fleet.example" })),
            new SecureDevice.Fleet.Response.Alerts.MemoryAlertStore(), null,
            new SecureDevice.Fleet.Response.Alerts.SmtpSender(new SecureDevice.Fleet.Response.Alerts.SmtpSettings { Host = "127.0.0.1", Port = mail.Port, From = "console@securedevice.example" }));
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: o => Burst(3)(o) with { Alerts = dispatcher, StaffAlertContact = staffContact ? "fleet-ops" : null });
        using ConsoleClient attacker = host.Client(IPAddress.Parse("127.0.0.3"));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attacker.ApiAsync("GET", "/api/v1/devices", "sdp_bad-" + i)).Status);
        }

        Assert.Single(await StaffAlertsAsync(host));
        Assert.Equal(staffContact ? 1 : 0, dispatcher.QueueDepth);
        await dispatcher.DeliverDueAsync();
        if (!staffContact)
        {
            Assert.Empty(mail.Snapshot());
            return;
        }

        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (mail.Snapshot().Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "no burst alert mail");
            await Task.Delay(100);
        }

        SecureDevice.Lab.Alerts.ReceivedMail received = Assert.Single(mail.Snapshot());
        Assert.Equal(new[] { "noc@fleet.example" }, received.EnvelopeTo);
        MimeKit.MimeMessage message = MimeKit.MimeMessage.Load(new System.IO.MemoryStream(received.Raw));
        Assert.Equal("[SecureDevice] fleet-ops: " + FailureBurstGuard.AlertKind + " paused", message.Subject);
        Assert.Contains("Console failure burst: address 127.0.0.3: 3 security failures", message.TextBody, StringComparison.Ordinal);
        Assert.Equal(1, dispatcher.Counters.Sent);
    }

    [Fact]
    public async Task Burst_AgainstOneAccountFromManyAddresses_PausesThatAccountsSignIns_NotOtherAccountsOrAddresses()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: Burst(4));
        TestUser op = await host.CreateUserAsync("acme-op", ConsoleRole.Operator, ConsoleTestHost.Acme);
        TestUser viewer = await host.CreateUserAsync("acme-viewer", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        for (int i = 0; i < 4; i++)
        {
            using ConsoleClient guesser = host.Client(IPAddress.Parse("127.0.0." + (10 + i)));
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.LoginAsync(op, password: "guess number " + i)).Status);
        }

        using ConsoleClient fresh = host.Client(IPAddress.Parse("127.0.0.20"));
        Answer refused = await fresh.LoginAsync(op);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.NotNull(refused.Header("Retry-After"));
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/login")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await fresh.LoginAsync(viewer)).Status);

        AlertRecord alert = Assert.Single(await StaffAlertsAsync(host));
        Assert.Contains("account acme-op", alert.DedupeKey, StringComparison.Ordinal);
        Assert.Contains("account acme-op: 4 security failures", Assert.Single(await BurstAuditAsync(host)).Subject, StringComparison.Ordinal);

        host.Clock.Advance(TimeSpan.FromMinutes(10));
        using ConsoleClient later = host.Client(IPAddress.Parse("127.0.0.21"));
        Assert.Equal(HttpStatusCode.Redirect, (await later.LoginAsync(op)).Status);
    }

    [Fact]
    public async Task Bursts_ConcurrentAndFromManyAddresses_OneAlertPerBurst_AtMostTheLimitThenOneSummary_EveryBurstAudited()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(configure: Burst(3, alertLimit: 2));

        // 24 failures at once from one address: one burst, one alert.
        var clients = Enumerable.Range(0, 24).Select(_ => host.Client(IPAddress.Parse("127.0.0.30"))).ToList();
        Answer[] answers = await Task.WhenAll(clients.Select(c => c.ApiAsync("GET", "/api/v1/devices", "sdp_garbage")));
        clients.ForEach(c => c.Dispose());
        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        Assert.Single(await StaffAlertsAsync(host));
        Assert.Single(await BurstAuditAsync(host));

        // Requests that passed the limiter before the pause began and fail after it: counted, no second alert.
        FailureBurstGuard guard = host.App.Services.GetRequiredService<FailureBurstGuard>();
        BurstStatus[] late = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => guard.RecordAsync(FailureKind.ApiToken, "127.0.0.30", null, None)));
        Assert.All(late, s => Assert.Equal(BurstStatus.AlreadyPaused, s));
        Assert.Single(await StaffAlertsAsync(host));

        // Four more addresses burst: one more alert (limit 2), then one summary; the rest audited only.
        for (int i = 31; i <= 34; i++)
        {
            using ConsoleClient client = host.Client(IPAddress.Parse("127.0.0." + i));
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(HttpStatusCode.Unauthorized, (await client.ApiAsync("GET", "/api/v1/devices", "sdp_garbage")).Status);
            }

            Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/login")).Status);
        }

        IReadOnlyList<AlertRecord> alerts = await StaffAlertsAsync(host);
        Assert.Equal(2, alerts.Count(a => a.Kind == FailureBurstGuard.AlertKind));
        Assert.Equal(1, alerts.Count(a => a.Kind == FailureBurstGuard.SummaryKind));
        Assert.Equal(5, (await BurstAuditAsync(host)).Count);
    }
}
