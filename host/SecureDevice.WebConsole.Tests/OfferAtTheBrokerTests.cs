using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SecureDevice.Core.Text;
using SecureDevice.Core.Update;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Response;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.TestSupport;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Api;
using SecureDevice.WebConsole.Updates;
using SecureDevice.WebConsole.Web;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The offer through the real path: an operator's API token on <c>POST /api/v1/offers</c> over HTTPS to the fleet
/// service's console, the request recording the rollout (202), the console's hosted worker publishing with the operator
/// identity through mosquitto with its dynamic-security plugin, the device (mosquitto_sub with the device's certificate,
/// an MQTT client we did not write) receiving it, and the device's update event coming back through ingest into the
/// rollout, read back through <c>GET /api/v1/rollouts/{id}</c>.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class OfferAtTheBrokerTests
{
    [Fact]
    public async Task Offer_ReachesTheDevicesDownUpdateTopic_AsTheFirmwareParsesIt_AndItsUpdateEventLandsInTheRollout()
    {
        using var folder = new TemporaryDirectory("offer-broker");
        using IngestLab lab = IngestLab.Create(folder.Combine("lab"));
        EnrolledDevice device = DeviceEnrollment.Enroll(lab.Pki, new[] { "dev-offer-001" }, _ => "acme", DateTimeOffset.UtcNow).Single();
        await lab.RegisterAsync(new[] { device.Id });
        var clock = new ManualClock();
        using var publisher = new MqttCommandPublisher(BrokerEndpoint.For(lab.Pki, "localhost", lab.Port), BrokerIdentity.Operator(lab.Pki));
        ConsoleModule module = Module(lab, clock, ConsoleTestHost.SignBundle(folder.Combine("bundles"), clock), publisher);
        await using RunningService running = await FleetServiceHost.StartAsync(ServiceConsoleTests.Options(lab), new ServiceExtensions { Web = module });
        await using (module)
        {
            await WaitListedAsync(running, device.Id);

            // The device's key, written 0600 for mosquitto_sub only for this run (never committed).
            string cert = folder.Combine("device.pem"), key = folder.Combine("device.key.pem");
            File.WriteAllText(cert, device.Certificate.ExportCertificatePem());
            File.WriteAllText(key, string.Empty);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite); // before the key goes in
            }

            File.WriteAllText(key, device.Certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            var identity = new MqttClientIdentity(lab.Pki.RootCertificate, cert, key, lab.Port);

            UpdateOffers offers = running.App.Services.GetRequiredService<UpdateOffers>();
            using System.Net.Http.HttpClient api = await OperatorApiAsync(running, lab, clock);

            long rolloutId;
            using (var subscriber = new MosquittoSubscriber(identity, "devices/" + device.Id + "/down/update", count: 1, timeoutSeconds: 20, format: "%t %p"))
            {
                rolloutId = await OfferAsync(api, device.Id);

                // Published by the console's hosted worker (woken by the offer), not by the request.
                Assert.True(subscriber.WaitFor(_ => true, TimeSpan.FromSeconds(15)), "the device did not receive the offer");
                string line = subscriber.Lines[0];
                Assert.StartsWith("devices/" + device.Id + "/down/update ", line, StringComparison.Ordinal);
                byte[] payload = Encoding.UTF8.GetBytes(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
                Assert.Equal(DocumentStatus.Valid, new UpdateOfferParser().TryParse(payload, 0, payload.Length, out UpdateOffer? offer));
                Assert.Equal(ConsoleTestHost.BundleBaseUrl + ConsoleTestHost.Bundle + "/", offer!.Url);
                Assert.True(offer.HasManifestDigest);
                string digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(folder.Combine("bundles", ConsoleTestHost.Bundle, "manifest.json"))));
                Assert.Contains("\"manifestSha256\":\"" + digest + "\"", line, StringComparison.Ordinal);
            }

            // (That the service's own identity may not publish offers is BrokerRightsTests/ResponseAtTheBrokerTests in SecureDevice.Tool.Tests.)

            // The device answers with an update event; ingest stores it and the rollout shows it.
            await using (DevicePublisher device1 = await DevicePublisher.ConnectAsync(device, "localhost", lab.Port, lab.Root, CancellationToken.None))
            {
                await device1.PublishAsync("update", Encoding.ASCII.GetBytes("{\"state\":\"downloading\",\"outcome\":\"none\",\"code\":0,\"version\":\"1.0.0\",\"securityVersion\":1,\"boot\":3,\"seq\":1,\"detail\":\"<script>x</script>\"}"), CancellationToken.None);
            }

            RolloutRecord rollout = (await offers.Rollouts.GetAsync(rolloutId, "acme", CancellationToken.None))!;
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await offers.Rollouts.EventsAsync(rollout with { CreatedMs = 0 }, 10, CancellationToken.None)).Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "the device's update event never reached the rollout");
                await Task.Delay(200);
            }

            Assert.Equal("published", Assert.Single(await offers.Rollouts.DevicesAsync(rolloutId, CancellationToken.None)).Outcome);
            SecureDevice.Service.Storage.ActionRecord audit = Assert.Single(await running.Service.Store.ListActionsAsync(device.Id, 10, CancellationToken.None));
            Assert.Equal("offer", audit.Kind);
            Assert.Matches(@"^api:olga@127\.0\.0\.1 token \d+$", audit.Actor);
            using System.Text.Json.JsonDocument view = System.Text.Json.JsonDocument.Parse(await api.GetStringAsync("/api/v1/rollouts/" + rolloutId));
            Assert.Equal("judging", view.RootElement.GetProperty("state").GetString()); // published; the device has not confirmed yet
            Assert.Equal("published", view.RootElement.GetProperty("devices")[0].GetProperty("broker").GetString());
        }
    }

    /// <summary>The console module as the fleet service hosts it: HTTPS with the broker's certificate from the fleet PKI, offering <paramref name="bundles"/> through <paramref name="publisher"/>.</summary>
    internal static ConsoleModule Module(IngestLab lab, ManualClock clock, BundleSource bundles, MqttCommandPublisher publisher) => new(new ConsoleOptions
    {
        Listen = new IPEndPoint(IPAddress.Loopback, 0),
        Certificate = ConsoleCertificate.Load(lab.Pki.BrokerCertificate, lab.Pki.BrokerKey),
        Time = clock,
        Bundles = bundles,
        OfferPublisher = publisher,
    });

    /// <summary>Waits until the service's registry poll lists <paramref name="deviceId"/> (offers go to listed, active devices only).</summary>
    internal static async Task WaitListedAsync(RunningService running, string deviceId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await running.Service.Store.GetDeviceAsync(deviceId, CancellationToken.None) == null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the registry never listed the device");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// An HTTPS client of the console's API (pinned to the fleet root) carrying the token of "olga", an operator of acme
    /// with two-factor setup done; the token stored as a hash, like the console's token page makes them.
    /// </summary>
    internal static async Task<System.Net.Http.HttpClient> OperatorApiAsync(RunningService running, IngestLab lab, ManualClock clock)
    {
        AccountService accounts = running.App.Services.GetRequiredService<AccountService>();
        CreatedAccount created = await accounts.CreateAsync("olga", ConsoleRole.Operator, "acme", CancellationToken.None);
        UserRecord pending = (await accounts.FindSetupAsync(created.SetupToken, CancellationToken.None))!;
        const string Password = "violet tractor sings 42";
        Assert.Equal(SetupStatus.Done, await accounts.CompleteSetupAsync(created.SetupToken, Password, Password, TestUser.Code(pending.TotpSecret!, clock.GetUtcNow()), CancellationToken.None));
        string token = ApiTokenFormat.Create(RandomNumberGenerator.Create());
        long now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        await running.App.Services.GetRequiredService<ApiTokenStore>().AddAsync(ApiTokenFormat.Hash(token), pending.Id, "e2e", ApiScope.Operate, now, now + 3_600_000, CancellationToken.None);
        Uri https = new(running.App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features
            .Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));
        var api = new System.Net.Http.HttpClient(ServiceConsoleTests.PinnedHandler(lab.Root)) { BaseAddress = https };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return api;
    }

    /// <summary>Offers <see cref="ConsoleTestHost.Bundle"/> to one device through <c>POST /api/v1/offers</c>; asserts 202 and returns the rollout id.</summary>
    internal static async Task<long> OfferAsync(System.Net.Http.HttpClient api, string deviceId)
    {
        using System.Net.Http.HttpResponseMessage offered = await api.PostAsync("/api/v1/offers", new System.Net.Http.StringContent(
            "{\"bundle\":\"" + ConsoleTestHost.Bundle + "\",\"target\":\"device\",\"device\":\"" + deviceId + "\",\"reason\":\"e2e\"}", Encoding.UTF8, "application/json"));
        string answer = await offered.Content.ReadAsStringAsync();
        Assert.True(offered.StatusCode == HttpStatusCode.Accepted, offered.StatusCode + " " + answer);
        return System.Text.Json.JsonDocument.Parse(answer).RootElement.GetProperty("rolloutId").GetInt64();
    }
}
