using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Runs alone: the broker, ingest and the service's timing are not shared with the other tests' load.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServiceCollection
{
    public const string Name = "fleet service";
}

/// <summary>The console plugged into the real fleet service (FleetServiceHost, mosquitto, mutual TLS ingest), with the PKI's certificate.</summary>
[Collection(ServiceCollection.Name)]
public sealed class ServiceConsoleTests
{
    /// <summary>The service on the lab's PKI, data folder and broker, quick to see the registry, without maintenance runs.</summary>
    internal static ServiceOptions Options(IngestLab lab) => new()
    {
        PkiFolder = lab.Pki.Folder,
        DataFolder = lab.Data,
        BrokerHost = "localhost",
        BrokerPort = lab.Port,
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        LogLevel = LogLevel.Warning,
        RegistryPoll = TimeSpan.FromMilliseconds(200),
        MaintenanceInterval = TimeSpan.FromHours(1),
    };

    /// <summary>An HTTP handler that trusts the console's certificate only through the fleet PKI's <paramref name="root"/> (no redirects, with cookies).</summary>
    internal static HttpClientHandler PinnedHandler(System.Security.Cryptography.X509Certificates.X509Certificate2 root)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return certificate != null && chain.Build(certificate); // the fleet PKI's root vouches for the console
        };
        return handler;
    }

    [Fact]
    public async Task FleetService_WithConsoleModule_ServesIngestedDeviceOverHttpsOnly_HostileEventInert()
    {
        using var folder = new TemporaryDirectory("svc-console");
        using IngestLab lab = IngestLab.Create(folder.Combine("lab"));
        EnrolledDevice device = DeviceEnrollment.Enroll(lab.Pki, new[] { "dev-e2e-001" }, _ => "acme", DateTimeOffset.UtcNow).Single();
        // The broker grants rights through its dynamic-security plugin: a device it does not know connects with none.
        await lab.RegisterAsync(new[] { device.Id });
        var clock = new ManualClock();
        var module = new ConsoleModule(new ConsoleOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Certificate = ConsoleCertificate.Load(lab.Pki.BrokerCertificate, lab.Pki.BrokerKey),
            Time = clock,
        });
        await using RunningService running = await FleetServiceHost.StartAsync(Options(lab), new ServiceExtensions { Web = module });
        await using (module)
        {
            await using (DevicePublisher publisher = await DevicePublisher.ConnectAsync(device, "localhost", lab.Port, lab.Root, CancellationToken.None))
            {
                await publisher.PublishHealthAsync(4, 1, CancellationToken.None);
                await publisher.PublishAsync("events", Encoding.ASCII.GetBytes("{\"e\":\"fault\",\"code\":\"main-loop\",\"count\":2,\"boot\":4,\"detail\":\"<script>alert(1)</script>\"}"), CancellationToken.None);
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while ((await running.Service.Store.ListEventsAsync(device.Id, 0, 10, CancellationToken.None)).Count == 0 || (await running.Service.Store.ListHealthAsync(device.Id, 0, long.MaxValue, 10, CancellationToken.None)).Count == 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the report and event were not stored");
                    await Task.Delay(100);
                }
            }

            var addresses = running.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            Uri https = new(addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));
            Uri http = new(addresses.Single(a => a.StartsWith("http://", StringComparison.Ordinal)));

            using (var plain = new HttpClient())
            {
                Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync(new Uri(http, "/health/live"))).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync(new Uri(http, "/metrics"))).StatusCode);
                Assert.Equal(HttpStatusCode.NotFound, (await plain.GetAsync(new Uri(http, "/login"))).StatusCode);
            }

            AccountService accounts = running.App.Services.GetRequiredService<AccountService>();
            CreatedAccount created = await accounts.CreateAsync("vera", ConsoleRole.Viewer, "acme", CancellationToken.None);
            UserRecord pending = (await accounts.FindSetupAsync(created.SetupToken, CancellationToken.None))!;
            const string Password = "violet tractor sings 42";
            Assert.Equal(SetupStatus.Done, await accounts.CompleteSetupAsync(created.SetupToken, Password, Password, TestUser.Code(pending.TotpSecret!, clock.GetUtcNow()), CancellationToken.None));
            clock.Advance(TimeSpan.FromSeconds(30));

            using HttpClientHandler handler = PinnedHandler(lab.Root);
            using var client = new HttpClient(handler) { BaseAddress = https };
            string loginPage = await client.GetStringAsync("/login");
            string token = WebUtility.HtmlDecode(Regex.Match(loginPage, "name=\"__sd_csrf\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
            using HttpResponseMessage login = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["UserName"] = "vera",
                ["Password"] = Password,
                ["Code"] = TestUser.Code(pending.TotpSecret!, clock.GetUtcNow()),
                ["__sd_csrf"] = token,
            }));
            Assert.Equal(HttpStatusCode.Found, login.StatusCode);

            string fleet = await client.GetStringAsync("/");
            Assert.Contains("dev-e2e-001", fleet, StringComparison.Ordinal);
            using HttpResponseMessage devicePage = await client.GetAsync("/devices/dev-e2e-001");
            string body = await devicePage.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, devicePage.StatusCode);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", body, StringComparison.Ordinal);
            Assert.DoesNotContain("<script>", body, StringComparison.Ordinal);
            Assert.Equal(5, Regex.Matches(body, "<svg ").Count);
            Assert.Contains("script-src 'none'", devicePage.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// One alert path: in the service, the console's alerts go through the service's own dispatcher
    /// (<c>FleetIntegration</c>: the contacts file, the database outbox, retries). A failure burst against the console
    /// reaches the staff contact's webhook, signed with its secret, checked by the receiver.
    /// </summary>
    [Fact]
    public async Task FleetService_ConsoleBurstAlert_ReachesTheStaffContactsWebhook_ThroughTheServicesDispatcher()
    {
        using var folder = new TemporaryDirectory("svc-console-alerts");
        using IngestLab lab = IngestLab.Create(folder.Combine("lab"));
        byte[] secret = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        using var inbox = SecureDevice.Lab.Alerts.WebhookInbox.Start(secret);
        string contacts = folder.Combine("contacts.json");
        SecureDevice.Fleet.Response.Alerts.FileCustomerContacts.Save(contacts, new[] { new SecureDevice.Fleet.Response.Alerts.CustomerContacts("fleet-ops", inbox.Url, secret, Array.Empty<string>()) });
        using var integration = new SecureDevice.Service.Integration.FleetIntegration(new SecureDevice.Service.Integration.IntegrationOptions
        {
            ContactsFile = contacts,
            AllowLoopbackWebhooks = true,
            Alerts = new SecureDevice.Fleet.Response.Alerts.AlertDispatcherOptions { PollInterval = TimeSpan.FromMilliseconds(100) },
        });
        var module = new ConsoleModule(new ConsoleOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Certificate = ConsoleCertificate.Load(lab.Pki.BrokerCertificate, lab.Pki.BrokerKey),
            BurstThreshold = 3,
            StaffAlertContact = "fleet-ops",
        });
        ServiceExtensions wired = integration.Extensions;
        await using RunningService running = await FleetServiceHost.StartAsync(Options(lab),
            new ServiceExtensions { Observers = wired.Observers, Response = wired.Response, Attachments = wired.Attachments, Time = wired.Time, Web = module });
        await using (module)
        {
            Assert.Same(integration, running.App.Services.GetRequiredService<ConsoleOptions>().Alerts);
            Uri https = new(running.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));
            using HttpClientHandler handler = PinnedHandler(lab.Root);
            using var client = new HttpClient(handler) { BaseAddress = https };
            for (int i = 0; i < 3; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/devices");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sdp_not-a-token-" + i);
                using HttpResponseMessage refused = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            DateTime deadline = DateTime.UtcNow.AddSeconds(30);
            while (inbox.Snapshot().Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the staff webhook received no burst alert");
                await Task.Delay(100);
            }

            SecureDevice.Lab.Alerts.ReceivedAlert hook = Assert.Single(inbox.Snapshot());
            Assert.True(hook.SignatureValid);
            Assert.Equal((FailureBurstGuard.AlertKind, "paused", (string?)null), (hook.Kind, hook.State, hook.Device));
            Assert.Contains("address 127.0.0.1: 3 security failures", hook.Body, StringComparison.Ordinal);
        }
    }
}
