using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

public sealed class WebSecurityTests
{
    /// <summary>A real tag (raw '&lt;') with an event-handler attribute; encoded text ("&amp;lt;img onerror=") does not match.</summary>
    private static readonly Regex EventHandlerAttribute = new(@"<[a-zA-Z][^<>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase);

    [Fact]
    public async Task Post_WithoutAntiforgeryToken_OrCrossSite_OrWithAnotherUsersToken_IsRefused()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("ops", ConsoleRole.Operator, null);
        TestUser other = await host.CreateUserAsync("other", ConsoleRole.Operator, null);
        using ConsoleClient client = host.Client();
        using ConsoleClient otherClient = host.Client();
        await client.LoginAsync(op);
        await otherClient.LoginAsync(other);
        string action = "/devices/" + ConsoleTestHost.AcmeDevice + "?handler=Action";
        var fields = new[] { KeyValuePair.Create("Kind", "quarantine"), KeyValuePair.Create("Reason", "csrf") };

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostRawAsync(action, fields)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostRawAsync(action, fields, origin: "https://evil.example")).Status);
        string foreignToken = await otherClient.TokenAsync("/");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostRawAsync(action, fields.Append(KeyValuePair.Create("__sd_csrf", foreignToken)))).Status);
        Assert.Empty(host.Response.Requests);

        // A cross-site page cannot read the token, and the browser does not send the SameSite=Strict cookies with its POST:
        using ConsoleClient crossSite = host.Client();
        crossSite.Cookies["__Host-sd_session"] = client.Session!;
        Assert.Equal(HttpStatusCode.BadRequest, (await crossSite.PostRawAsync(action, fields, origin: "https://evil.example")).Status);

        Answer ok = await client.PostFormAsync("/", action, ("Kind", "quarantine"), ("Reason", "csrf"));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Single(host.Response.Requests);
    }

    [Fact]
    public async Task Pages_CarryTheSecurityHeaders_AndNoInlineScriptOrStyle()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser admin = await host.CreateUserAsync("root", ConsoleRole.Admin, null);
        using ConsoleClient client = host.Client();
        Answer login = await client.GetAsync("/login");
        await client.LoginAsync(admin);
        foreach (Answer page in new[] { login, await client.GetAsync("/"), await client.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice), await client.GetAsync("/admin/users"), await client.GetAsync("/account/password"), await client.GetAsync("/feed"), await client.GetAsync("/admin/audit") })
        {
            Assert.Equal(HttpStatusCode.OK, page.Status);
            string csp = page.Header("Content-Security-Policy")!;
            Assert.Contains("script-src 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
            Assert.Equal("max-age=31536000; includeSubDomains", page.Header("Strict-Transport-Security"));
            Assert.Equal("nosniff", page.Header("X-Content-Type-Options"));
            Assert.Equal("DENY", page.Header("X-Frame-Options"));
            Assert.Equal("no-referrer", page.Header("Referrer-Policy"));
            Assert.Equal("no-store, no-cache", page.Header("Cache-Control")); // what antiforgery sets on form pages: one value, no override warning
            Assert.DoesNotContain("<script", page.Body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(EventHandlerAttribute, page.Body);
            Assert.DoesNotContain(" style=", page.Body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("javascript:", page.Body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task DevicePage_HostileDeviceText_IsEncodedAndInert()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser viewer = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(viewer);
        foreach (Answer page in new[] { await client.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice), await client.GetAsync("/"), await client.GetAsync("/feed") })
        {
            Assert.DoesNotContain("<script>", page.Body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img", page.Body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotMatch(EventHandlerAttribute, page.Body); // no tag carries an on...= handler
            Assert.DoesNotContain("\"><img", page.Body, StringComparison.Ordinal); // the quote did not close an attribute
            Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", page.Body, StringComparison.Ordinal); // shown, as text
        }

        Answer device = await client.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice);
        Assert.Contains("&lt;script&gt;alert(", device.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DevicePage_DrawsFiveSvgChartsWithDataAndAnomalyAndRebootMarks()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser viewer = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(viewer);
        string body = (await client.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice)).Body;
        var charts = Regex.Matches(body, "<svg .*?</svg>", RegexOptions.Singleline).Select(m => m.Value).ToList();
        Assert.Equal(5, charts.Count);
        foreach (string chart in charts)
        {
            var doc = System.Xml.Linq.XDocument.Parse(chart); // well-formed SVG
            var line = doc.Descendants().First(e => e.Name.LocalName == "polyline");
            Assert.Equal(24, line.Attribute("points")!.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            Assert.Contains(doc.Descendants(), e => e.Name.LocalName == "line" && e.Value.Contains("anomaly: power-bandwidth-rise", StringComparison.Ordinal));
        }

        Assert.Contains(">reboot</title>", charts[4], StringComparison.Ordinal);
        Assert.Contains("3300", charts[0], StringComparison.Ordinal); // supply axis maximum, mV
    }

    [Fact]
    public async Task Login_SixthAttemptIn60sFromOneAddress_Is429WithRetryAfter()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(loginPermits: 5);
        TestUser user = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(user with { Name = "guess" + i }, password: "wrong")).Status);
        }

        Answer limited = await client.LoginAsync(user);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        int retryAfter = int.Parse(limited.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/login")).Status); // only sign-in posts are limited
    }

    [Fact]
    public async Task Login_SixthAttemptIn60sOnOneAccount_FromSixAddresses_Is429()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(loginPermits: 5);
        TestUser user = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        for (int i = 0; i < 6; i++)
        {
            using ConsoleClient client = host.Client(IPAddress.Parse("127.0.0." + (10 + i)));
            Answer answer = await client.LoginAsync(user, password: "wrong password");
            Assert.Equal(i < 5 ? HttpStatusCode.Unauthorized : HttpStatusCode.TooManyRequests, answer.Status);
        }

        using ConsoleClient fresh = host.Client(IPAddress.Parse("127.0.0.30"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await fresh.LoginAsync(user with { Name = "someone-else" })).Status); // other accounts unaffected
    }

    [Fact]
    public async Task PlainHttp_ServesNothingOfTheConsole_ButKeepsHealth()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using var http = new System.Net.Http.HttpClient { BaseAddress = host.HttpBase };
        foreach (string path in new[] { "/", "/login", "/setup", "/devices/" + ConsoleTestHost.AcmeDevice, "/console.css" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(path)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/login", new System.Net.Http.FormUrlEncodedContent(new Dictionary<string, string> { ["UserName"] = "x" }))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Post_OverTheBodyLimit_Is413()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        using ConsoleClient client = host.Client();
        Answer answer = await client.PostRawAsync("/login", new[] { KeyValuePair.Create("UserName", new string('a', 64 * 1024)) });
        Assert.True(answer.Status is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, answer.Status.ToString());
    }

    [Fact]
    public async Task DeviceRoute_InjectionPayloads_Are404AndChangeNothing()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser staff = await host.CreateUserAsync("root", ConsoleRole.Admin, null);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(staff);
        foreach (string payload in new[] { "' OR '1'='1", "dev-acme-1' --", "x'; DELETE FROM devices; --", "%", "_" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/devices/" + Uri.EscapeDataString(payload))).Status);
        }

        Assert.Equal(2, (await host.Store.ListDevicesAsync(CancellationToken.None)).Count);
    }

    [Fact]
    public async Task Revoke_NeedsTheTypedDeviceId_AndEveryActionIsAuditedWithWhoAndWhere()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("ops", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(op);
        string action = "/devices/" + ConsoleTestHost.AcmeDevice + "?handler=Action";
        Answer unconfirmed = await client.PostFormAsync("/", action, ("Kind", "revoke"), ("Reason", "stolen"), ("Confirm", "dev-acme"));
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.Status);
        Assert.Empty(host.Response.Requests);
        Answer bogus = await client.PostFormAsync("/", action, ("Kind", "explode"), ("Reason", "x"));
        Assert.Equal(HttpStatusCode.BadRequest, bogus.Status);

        Assert.Equal(HttpStatusCode.OK, (await client.PostFormAsync("/", action, ("Kind", "throttle"), ("Reason", "noisy"))).Status);
        Assert.Equal(HttpStatusCode.OK, (await client.PostFormAsync("/", action, ("Kind", "revoke"), ("Reason", "stolen"), ("Confirm", ConsoleTestHost.AcmeDevice))).Status);
        var audit = await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, CancellationToken.None);
        Assert.Equal(2, audit.Count);
        Assert.All(audit, a => Assert.Equal("console:ops@127.0.0.1", a.Actor));
        Assert.Equal("throttled", (await host.Store.GetDeviceAsync(ConsoleTestHost.AcmeDevice, CancellationToken.None))!.ServiceState);
        Assert.Contains("console:ops@127.0.0.1", (await client.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice)).Body, StringComparison.Ordinal);
    }
}
