using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Updates;
using SecureDevice.Lab.Ingest;
using SecureDevice.Lab.Signing;
using SecureDevice.Service.Hosting;
using SecureDevice.TestSupport;
using SecureDevice.VirtualDevice;
using SecureDevice.VirtualDevice.Updates;
using SecureDevice.WebConsole.Web;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The whole update chain with nothing stubbed between the operator and the device: an operator's API token on
/// <c>POST /api/v1/offers</c> over HTTPS; the console's hosted worker publishing the offer with the operator identity
/// through mosquitto (dynamic-security plugin); a virtual device, provisioned like a board with its own certificate,
/// running the portable core's loader and update engine, downloading the bundle from the HTTPS update server (certificate
/// from the fleet PKI), verifying it, staging it, rebooting into it (its simulated boot), confirming it and reporting;
/// the report arriving through the fleet service's ingest; the rollout read back through <c>GET /api/v1/rollouts/{id}</c>.
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class UpdateThroughTheApiTests
{
    private const string DeviceId = "dev-e2e-001";

    [Fact]
    public async Task OfferThroughTheApi_VirtualDeviceDownloadsVerifiesInstallsAndConfirms_RolloutShowsItConfirmed()
    {
        using var folder = new TemporaryDirectory("update-api");
        using IngestLab lab = IngestLab.Create(folder.Combine("lab"));
        var clock = new ManualClock();
        clock.Advance(DateTimeOffset.UtcNow.AddMinutes(-1) - clock.GetUtcNow()); // the rollout starts before the device's events arrive
        long now = clock.GetUtcNow().ToUnixTimeSeconds();

        // The device, provisioned as 'securedevice provision' does (its key 0600 in the run's folder, never committed), registered at the broker.
        string devices = folder.Combine("devices");
        Provisioning.Provision(new ProvisionRequest { Pki = lab.Pki, DeviceId = DeviceId, OutputFolder = devices, Settings = DeviceSettings.For("localhost", lab.Port), Owner = "acme", Now = DateTimeOffset.UtcNow });
        await lab.RegisterAsync(new[] { DeviceId });
        DeviceIdentity identity = DeviceIdentity.Load(devices, DeviceId, lab.Pki.RootCertificate);

        // The update server over HTTPS with a certificate from the fleet root; the console offers the bundles it serves.
        using IssuedCertificate root = CertificateAuthority.Load(lab.Pki.RootCertificate, lab.Pki.RootKey);
        using IssuedCertificate serverCertificate = CertificateAuthority.CreateServer(root, "updates", new[] { "localhost" }, new[] { IPAddress.Loopback }, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        using X509Certificate2 withKey = serverCertificate.Certificate.CopyWithPrivateKey(serverCertificate.Key);
        string served = folder.Combine("bundles");
        Directory.CreateDirectory(served);
        using UpdateServer updates = UpdateServer.Start(served, 0, X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
        using SigningKit kit = ConsoleTestHost.ReleaseKit(now);
        var flash = new MemoryFileStore();
        SigningKit.InstallInto(kit.Sign("sensor", new[] { "esp32" }, "1.0.0", 1, now - 60, new[] { ("Sensor.App.pe", SimulatedApplication.EntryAssembly("1.0.0")) }), flash, SlotLayout.SlotA);
        var bundles = ConsoleTestHost.SignBundle(served, kit, now, new Uri(updates.BaseUrl), SimulatedApplication.EntryAssembly("1.1.0"));

        using var publisher = new MqttCommandPublisher(BrokerEndpoint.For(lab.Pki, "localhost", lab.Port), BrokerIdentity.Operator(lab.Pki));
        ConsoleModule module = OfferAtTheBrokerTests.Module(lab, clock, bundles, publisher);
        await using RunningService running = await FleetServiceHost.StartAsync(ServiceConsoleTests.Options(lab), new ServiceExtensions { Web = module });
        await using (module)
        {
            await OfferAtTheBrokerTests.WaitListedAsync(running, DeviceId);
            using var device = new SecureDevice.VirtualDevice.VirtualDevice(identity, flash, new BackoffConfig { BootWindowMs = 0 }, () => identity.Endpoint("127.0.0.1"), new UpdateOptions
            {
                Anchors = kit.Anchors(),
                Source = () => new HttpsBundleSource(lab.Root, TimeSpan.FromSeconds(10)),
                OfferSpacingMs = 0,
                TestTimeoutMs = 60_000,
            });
            device.Start();
            Assert.Equal("1.0.0", device.RunningVersion);
            await WaitAsync(() => device.Connected, TimeSpan.FromSeconds(20), "the virtual device did not connect");
            await Task.Delay(500); // its subscription follows CONNACK

            using System.Net.Http.HttpClient api = await OfferAtTheBrokerTests.OperatorApiAsync(running, lab, clock);
            long rolloutId = await OfferAtTheBrokerTests.OfferAsync(api, DeviceId);

            // Confirmed as the service saw it, read through the API; nothing in between is looked at.
            JsonElement seen = default;
            await WaitAsync(async () =>
            {
                using JsonDocument view = JsonDocument.Parse(await api.GetStringAsync("/api/v1/rollouts/" + rolloutId));
                JsonElement[] listed = view.RootElement.GetProperty("devices").EnumerateArray().ToArray(); // empty until the worker published
                Assert.True(listed.Length <= 1, view.RootElement.ToString());
                seen = listed.Length == 1 ? listed[0].Clone() : seen;
                return listed.Length == 1 && seen.GetProperty("outcome").GetString() == "confirmed";
            }, TimeSpan.FromSeconds(90), () => "the rollout never showed the device confirmed; last seen " + seen + "; device " + device.RunningVersion
                + " engine " + device.Updates?.Status.State + " " + device.Updates?.Status.LastDetail + " server bytes " + updates.BytesSent);

            Assert.Equal(DeviceId, seen.GetProperty("device").GetString());
            Assert.Equal("published", seen.GetProperty("broker").GetString());
            Assert.Equal("1.1.0", seen.GetProperty("reportedVersion").GetString());

            // Cross-checks on the device itself: it runs the new image after one reboot of its own, and it fetched the bundle from the server.
            Assert.Equal("1.1.0", device.RunningVersion);
            Assert.Equal(1, device.SelfReboots);
            Assert.True(updates.BytesSent > 0);
        }
    }

    private static Task WaitAsync(Func<bool> condition, TimeSpan timeout, string failure) =>
        WaitAsync(() => Task.FromResult(condition()), timeout, () => failure);

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure());
            await Task.Delay(200);
        }
    }
}
