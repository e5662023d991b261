using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.TestSupport;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Signing;
using SecureDevice.Lab.Signing;
using SecureDevice.Fleet.Updates;
using SecureDevice.VirtualDevice.Updates;
using Xunit;
using SecureDevice.Doubles;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>
/// Updates end to end: the reference broker, the update server over HTTPS with a certificate from the fleet PKI, a
/// virtual device running the loader and the update engine, and mosquitto_pub/mosquitto_sub as the service. The offer
/// goes over MQTT, the bundle over HTTPS, the outcome comes back as events.
/// </summary>
[Collection("broker")]
public sealed class UpdateEndToEndTests : IDisposable
{
    private static readonly BackoffConfig Immediate = new() { BootWindowMs = 0 };
    private readonly BrokerFixture _broker = new();
    private readonly SigningKit _kit;
    private readonly string _bundles;
    private readonly UpdateServer _server;
    private readonly X509Certificate2 _rootCa;

    public UpdateEndToEndTests()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        _kit = SigningKit.Create(b => System.Security.Cryptography.RandomNumberGenerator.Fill(b), "release-e2e", new[] { "sensor" }, now - 3600, now + 86400);
        _bundles = _broker.Combine("bundles");
        Directory.CreateDirectory(_bundles);
        using IssuedCertificate root = CertificateAuthority.Load(_broker.Pki.RootCertificate, _broker.Pki.RootKey);
        var start = DateTimeOffset.UtcNow.AddMinutes(-5);
        using IssuedCertificate server = CertificateAuthority.CreateServer(root, "updates", new[] { "localhost" }, new[] { IPAddress.Loopback }, start, start.AddDays(1));
        using X509Certificate2 withKey = server.Certificate.CopyWithPrivateKey(server.Key);
        _server = UpdateServer.Start(_bundles, 0, X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
        _rootCa = X509Certificate2.CreateFromPem(File.ReadAllText(_broker.Pki.RootCertificate));
    }

    public void Dispose()
    {
        _server.Dispose();
        _kit.Dispose();
        _broker.Dispose();
    }

    [Fact]
    public void Offer_GoodBundle_DownloadedStagedRebootedAndConfirmed_ThenACrashingOneIsReverted()
    {
        var flash = new MemoryFileStore();
        Install(flash, Bundle("1.0.0", 1, null));
        string good = Publish(Bundle("1.1.0", 2, null, 90_000), "1.1.0"); // 23 chunks: under the loader's 96 KiB limit
        string crashing = Publish(Bundle("1.2.0", 3, "sd-sim:crash-after-ms=0"), "1.2.0");
        using var device = Device("dev-u1", flash);
        using var events = new MosquittoSubscriber(_broker.Service, "devices/dev-u1/up/update");
        device.Start();
        Assert.True(device.RunningVersion == "1.0.0", device.RunningVersion);
        Assert.True(WaitConnected(device), "device did not connect");

        Offer("dev-u1", good);
        Assert.True(events.WaitFor(l => l.Contains("\"outcome\":\"confirmed\"") && l.Contains("\"version\":\"1.1.0\""), TimeSpan.FromSeconds(60)), Lines(events));
        Assert.Contains(events.Lines, l => l.Contains("\"state\":\"staged\""));
        Assert.Equal("1.1.0", device.RunningVersion);
        Assert.Equal(1, device.SelfReboots);
        Assert.True(_server.RangeRequests >= 0);

        Offer("dev-u1", crashing);
        Assert.True(events.WaitFor(l => l.Contains("\"outcome\":\"reverted:boot-limit\""), TimeSpan.FromSeconds(90)), Lines(events));
        Assert.Equal("1.1.0", device.RunningVersion);
        Assert.Equal(3, device.Crashes);
        Assert.Equal(2L, device.Loader!.Journal.Current.SecurityFloor);

        // The same bundle again is refused without downloading it.
        long sent = _server.BytesSent;
        Offer("dev-u1", crashing);
        Assert.True(events.WaitFor(l => l.Contains("\"outcome\":\"known-bad\""), TimeSpan.FromSeconds(30)), Lines(events));
        Assert.True(_server.BytesSent - sent < 8192, "only the documents were fetched");
    }

    [Fact]
    public void Offer_TamperedPayloadOrOlderSecurityVersion_RefusedWithReasonAndDeviceKeepsRunning()
    {
        var flash = new MemoryFileStore();
        Install(flash, Bundle("1.0.0", 5, null));
        string tampered = Publish(Bundle("1.1.0", 6, null), "tampered");
        string payload = Path.Combine(_bundles, "tampered", "Sensor.App.pe");
        byte[] bytes = File.ReadAllBytes(payload);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(payload, bytes);
        string older = Publish(Bundle("1.3.0", 4, null), "older");
        using var device = Device("dev-u2", flash);
        using var events = new MosquittoSubscriber(_broker.Service, "devices/dev-u2/up/update");
        device.Start();
        Assert.True(WaitConnected(device), "device did not connect");

        Offer("dev-u2", tampered);
        Assert.True(events.WaitFor(l => l.Contains("\"outcome\":\"rejected:hash-mismatch\""), TimeSpan.FromSeconds(30)), Lines(events) + State(device) + BrokerLog);
        Offer("dev-u2", older);
        Assert.True(events.WaitFor(l => l.Contains("\"outcome\":\"rejected:rollback\""), TimeSpan.FromSeconds(30)), Lines(events));
        Offer("dev-u2", "{not json");
        Assert.True(events.WaitFor(l => l.Contains("\"outcome\":\"malformed-offer\""), TimeSpan.FromSeconds(30)), Lines(events));
        Assert.Equal("1.0.0", device.RunningVersion);
        Assert.Equal(0, device.SelfReboots);
        Assert.True(device.Connected);
    }

    private SecureDevice.VirtualDevice.VirtualDevice Device(string id, MemoryFileStore flash) =>
        new(_broker.Identity(id), flash, Immediate, () => _broker.Identity(id).Endpoint("127.0.0.1"), new UpdateOptions
        {
            Anchors = _kit.Anchors(),
            Source = () => new HttpsBundleSource(_rootCa, TimeSpan.FromSeconds(10)),
            OfferSpacingMs = 0,
            TestTimeoutMs = 60_000,
        });

    private SignedBundle Bundle(string version, long securityVersion, string? markers, int libraryBytes = 3000)
    {
        byte[] library = new byte[libraryBytes];
        Random.Shared.NextBytes(library);
        return _kit.Sign("sensor", new[] { "esp32" }, version, securityVersion, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60,
            new[] { ("Sensor.App.pe", SimulatedApplication.EntryAssembly(version, markers)), ("Sensor.Lib.pe", library) });
    }

    private string Publish(SignedBundle bundle, string folder)
    {
        _kit.Write(bundle, Path.Combine(_bundles, folder), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return "{\"url\":\"" + _server.BaseUrl + folder + "/\"}";
    }

    private static void Install(MemoryFileStore flash, SignedBundle bundle) => SigningKit.InstallInto(bundle, flash, SlotLayout.SlotA);

    private void Offer(string id, string offer) =>
        MosquittoPublisher.Publish(_broker.Operator, "devices/" + id + "/down/update", offer).EnsureSuccess("offer");

    private static bool WaitConnected(SecureDevice.VirtualDevice.VirtualDevice device)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!device.Connected && DateTime.UtcNow < deadline)
        {
            System.Threading.Thread.Sleep(100);
        }

        // The subscription is made right after CONNACK; give it a moment before the first offer.
        System.Threading.Thread.Sleep(500);
        return device.Connected;
    }

    private static string State(SecureDevice.VirtualDevice.VirtualDevice device) =>
        "\nengine " + device.Updates!.Status.State + " " + UpdateOutcomes.Name(device.Updates.Status.LastOutcome) + " " + device.Updates.Status.LastDetail + " seq " + device.Updates.Status.EventSequence
        + " offers " + device.Updates.Status.Statistics.OffersReceived + " sent " + device.Agent.Limiter.Sent(MessageClass.UpdateProgress) + " dropped " + device.Agent.Limiter.Dropped(MessageClass.UpdateProgress)
        + " rejected " + device.Agent.Connection.Counters.InboundRejected + " connected " + device.Connected;

    private string BrokerLog => "\nbroker log:\n" + string.Join("\n", _broker.Broker.Log.Split('\n').TakeLast(30));

    private static string Lines(MosquittoSubscriber events) => "events:\n" + string.Join("\n", events.Lines) + "\n" + events.Error;
}
