using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.TestSupport;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Broker;
using SecureDevice.VirtualDevice;
using SecureDevice.VirtualDevice.Transport;
using Xunit;
using SecureDevice.Doubles;

namespace SecureDevice.Tool.Tests;

/// <summary>
/// The connectivity promises against the real broker: the reference mosquitto configuration, the tool's PKI, virtual
/// devices running the portable core, and mosquitto_sub/mosquitto_pub as the independent service-side client.
/// </summary>
[Collection("broker")]
public sealed class ConnectivityEndToEndTests : IDisposable
{
    // Functional tests do not wait for the 30 s boot spread; the flood tests use the defaults.
    private static readonly BackoffConfig Immediate = new() { BootWindowMs = 0 };
    private readonly BrokerFixture _broker = new();

    public void Dispose() => _broker.Dispose();

    [Fact]
    public void ProvisionedDevice_ConnectsAndItsMessagesArriveOnItsOwnUpTopics()
    {
        using var device = new VirtualDevice.VirtualDevice(_broker.Identity("dev-a"), new MemoryFileStore(), Immediate);
        using var service = new MosquittoSubscriber(_broker.Service, "devices/+/up/#");
        device.Start();
        Assert.True(service.WaitFor(l => l == "devices/dev-a/up/status online", TimeSpan.FromSeconds(15)), Diagnose(device, service));

        byte[] payload = "{\"hello\":1}"u8.ToArray();
        PublishDecision decision = device.Agent.Publish(MessageClass.Event, device.Agent.Connection.Topics.Events, payload, 0, payload.Length, 1, false, Environment.TickCount64, out _);
        Assert.Equal(PublishDecision.Send, decision);
        Assert.True(service.WaitFor(l => l == "devices/dev-a/up/events {\"hello\":1}", TimeSpan.FromSeconds(10)), Diagnose(device, service));

        // A power cut: the broker publishes the retained last will.
        device.PowerCut();
        Assert.True(service.WaitFor(l => l == "devices/dev-a/up/status offline", TimeSpan.FromSeconds(90)), Diagnose(device, service));
    }

    [Fact]
    public void VirtualDevice_PublishesHealthReportsTheServiceCanDecode()
    {
        using var device = new VirtualDevice.VirtualDevice(_broker.Identity("dev-h"), new MemoryFileStore(), Immediate);
        using var service = new MosquittoSubscriber(_broker.Service, "devices/+/up/health", format: "%t %x");
        device.Start();
        Assert.True(service.WaitFor(l => l.StartsWith("devices/dev-h/up/health ", StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Diagnose(device, service));
        string hex = service.Lines.First(l => l.StartsWith("devices/dev-h/up/health ", StringComparison.Ordinal)).Split(' ')[1];
        ToolResult decoded = ToolRun.Run("health", "decode", "--named", hex);
        Assert.True(decoded.ExitCode == 0, decoded.ToString());
        Assert.Contains("\"bootReason\": 1", decoded.Output);
        Assert.Contains("\"attempts\": 1", decoded.Output);
        Assert.Contains("\"supplyMv\": 3", decoded.Output);
        Assert.InRange(hex.Length / 2, 50, 120);
    }

    [Fact]
    public void ForeignRevokedAndExpiredCertificates_AreRefused()
    {
        // Foreign CA: a device provisioned by another PKI, same CN.
        using var foreign = new TemporaryDirectory("foreign");
        ToolRun.Ok("pki", "init", "--out", foreign.Combine("pki"));
        ToolRun.Ok("provision", "dev-f", "--pki", foreign.Combine("pki"), "--out", foreign.Combine("devices"));
        string foreignCert = foreign.Combine("devices", "dev-f.pem");
        string foreignKey = foreign.Combine("devices", "dev-f.key.pem");
        AssertRefused(_broker.Endpoint(foreignCert, foreignKey), "foreign CA");
        Assert.NotEqual(0, MosquittoPublisher.Publish(_broker.Client(foreignCert, foreignKey), "devices/dev-f/up/x", "x").ExitCode);

        // Revoked: works, then is refused after 'securedevice revoke' and a broker reload.
        var (cert, key) = _broker.Provision("dev-r");
        Assert.Equal(0, MosquittoPublisher.Publish(_broker.Client(cert, key), "devices/dev-r/up/x", "x").ExitCode);
        AssertConnects(_broker.Endpoint(cert, key));
        ToolRun.Ok("revoke", "dev-r", "--pki", _broker.PkiFolder);
        _broker.Broker.Reload();
        AssertRefused(_broker.Endpoint(cert, key), "revoked");
        Assert.NotEqual(0, MosquittoPublisher.Publish(_broker.Client(cert, key), "devices/dev-r/up/x", "x").ExitCode);

        // Expired: issued by the real device CA, valid last year.
        using IssuedCertificate deviceCa = CertificateAuthority.Load(_broker.Pki.DeviceCaCertificate, _broker.Pki.DeviceCaKey);
        using IssuedCertificate expired = CertificateAuthority.CreateClient(deviceCa, "dev-x", DateTimeOffset.UtcNow.AddDays(-400), DateTimeOffset.UtcNow.AddDays(-35));
        string expiredCert = _broker.Combine("dev-x.pem");
        string expiredKey = _broker.Combine("dev-x.key.pem");
        File.WriteAllText(expiredCert, expired.CertificatePem + deviceCa.CertificatePem);
        File.WriteAllText(expiredKey, expired.KeyPem);
        AssertRefused(_broker.Endpoint(expiredCert, expiredKey), "expired");
        Assert.NotEqual(0, MosquittoPublisher.Publish(_broker.Client(expiredCert, expiredKey), "devices/dev-x/up/x", "x").ExitCode);
    }

    [Fact]
    public void DeviceCannotPublishIntoOrReadAnotherDevicesTopics()
    {
        var (certA, keyA) = _broker.Provision("dev-a");
        var (certB, keyB) = _broker.Provision("dev-b");
        using var a = Connected(_broker.Endpoint(certA, keyA), "dev-a");
        using var b = Connected(_broker.Endpoint(certB, keyB), "dev-b");
        Assert.Equal(TransportStatus.Ok, a.Subscribe("devices/dev-a/down/#"));
        Assert.Equal(TransportStatus.Ok, b.Subscribe("devices/dev-b/down/#"));

        // mosquitto 2.0.11 grants every SUBSCRIBE and filters at delivery; what matters is that nothing is delivered.
        a.Subscribe("devices/dev-b/down/#");
        a.Subscribe("devices/dev-b/up/#");

        using (var service = new MosquittoSubscriber(_broker.Service, "devices/+/up/#", timeoutSeconds: 4))
        {
            Publish(a, "devices/dev-b/up/health", "forged from a");
            Publish(a, "devices/dev-a/up/health", "own from a");
            Publish(b, "devices/dev-b/up/health", "own from b");
            Assert.True(service.WaitFor(l => l == "devices/dev-b/up/health own from b", TimeSpan.FromSeconds(10)));
            service.WaitForExit(TimeSpan.FromSeconds(10));
            Assert.Contains("devices/dev-a/up/health own from a", service.Lines);
            Assert.DoesNotContain(service.Lines, l => l.Contains("forged", StringComparison.Ordinal));
        }

        Assert.Equal(0, MosquittoPublisher.Publish(_broker.Operator, "devices/dev-b/down/cmd", "for b").ExitCode);
        var message = new InboundMessage(256);
        Assert.True(WaitReceive(b, message, TimeSpan.FromSeconds(5)), "b receives its own down message");
        Assert.Equal("devices/dev-b/down/cmd", message.Topic);
        Assert.False(WaitReceive(a, message, TimeSpan.FromSeconds(2)), "a must not receive b's messages (or b's up traffic)");
    }

    [Fact]
    public void Device_RefusesABrokerWithTheWrongNameOrAnUnpinnedCa()
    {
        var (cert, key) = _broker.Provision("dev-p");
        var wrongHost = new ConnectResult();
        using (var transport = new TlsMqttTransport(_broker.Endpoint(cert, key, host: "broker.example.invalid")))
        {
            transport.Connect(Options("dev-p"), wrongHost);
        }

        Assert.False(wrongHost.Connected);
        Assert.Equal(ConnectFailure.Tls, wrongHost.Failure);

        using var other = new TemporaryDirectory("otherpki");
        ToolRun.Ok("pki", "init", "--out", other.Combine("pki"));
        var otherRoot = X509Certificate2.CreateFromPem(File.ReadAllText(new PkiLayout(other.Combine("pki")).RootCertificate));
        var unpinned = new ConnectResult();
        using (var transport = new TlsMqttTransport(_broker.Endpoint(cert, key, anchor: otherRoot)))
        {
            transport.Connect(Options("dev-p"), unpinned);
        }

        Assert.False(unpinned.Connected);
        Assert.Equal(ConnectFailure.Tls, unpinned.Failure);
        Assert.Contains("pinned", unpinned.Detail ?? string.Empty);
    }

    private static MqttConnectOptions Options(string id) => new() { ClientId = id, KeepAliveSeconds = 30, CleanSession = true };

    private static void AssertRefused(TlsEndpoint endpoint, string what)
    {
        var result = new ConnectResult();
        using var transport = new TlsMqttTransport(endpoint);
        transport.Connect(Options("x"), result);
        Assert.False(result.Connected, what + " connected");
        Assert.True(result.Failure == ConnectFailure.Authentication, what + ": " + result.Failure + " " + result.Detail);
    }

    private static void AssertConnects(TlsEndpoint endpoint)
    {
        var result = new ConnectResult();
        using var transport = new TlsMqttTransport(endpoint);
        transport.Connect(Options("x"), result);
        Assert.True(result.Connected, result.Detail);
        transport.Disconnect();
    }

    internal static TlsMqttTransport Connected(TlsEndpoint endpoint, string id)
    {
        var transport = new TlsMqttTransport(endpoint);
        var result = new ConnectResult();
        transport.Connect(Options(id), result);
        Assert.True(result.Connected, id + ": " + result.Detail);
        return transport;
    }

    internal static void Publish(TlsMqttTransport transport, string topic, string message)
    {
        byte[] payload = System.Text.Encoding.UTF8.GetBytes(message);
        Assert.Equal(TransportStatus.Ok, transport.Publish(topic, payload, 0, payload.Length, 1, false, out _));
    }

    internal static bool WaitReceive(TlsMqttTransport transport, InboundMessage message, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (transport.TryReceive(message))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    private string Diagnose(VirtualDevice.VirtualDevice device, MosquittoSubscriber service) =>
        "state " + device.Agent.Connection.State + ", last failure " + device.Agent.Connection.LastFailure
        + "\nservice saw: " + string.Join(" | ", service.Lines) + "\n" + service.Error + "\nbroker:\n" + _broker.Broker.Log;
}
