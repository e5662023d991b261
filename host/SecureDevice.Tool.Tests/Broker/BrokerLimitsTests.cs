using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using SecureDevice.Core.Connectivity;
using SecureDevice.TestSupport;
using SecureDevice.VirtualDevice.Transport;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Tool.Tests.Broker;

/// <summary>
/// D11: one device certificate must not be able to grow the reference broker. The reported attack (5,000 retained
/// 16 KB messages on topics of the device's own, 10.8 to 90.4 MB in 0.3 s) is replayed and the broker's resident
/// memory measured from /proc; then the limits themselves: packet size and the retained topics a device can hold.
/// </summary>
public sealed class BrokerLimitsTests : IClassFixture<BrokerFixture>
{
    /// <summary>Growth allowed for the broker's resident memory under the flood (the attack added 80 MB).</summary>
    private const long AllowedGrowthBytes = 8L * 1024 * 1024;

    private readonly BrokerFixture _broker;
    private readonly ITestOutputHelper _output;

    public BrokerLimitsTests(BrokerFixture broker, ITestOutputHelper output)
    {
        _broker = broker;
        _output = output;
    }

    [Fact]
    public void RetainedFloodFromOneDevice_DoesNotGrowTheBroker()
    {
        var (certificate, key) = _broker.Provision("flood-1");
        long before = ResidentBytes();
        int sent = 0;
        foreach (int size in new[] { 16_000, 1900 })
        {
            using var device = Connect(_broker.Endpoint(certificate, key), "flood-1");
            byte[] payload = new byte[size];
            for (int i = 0; i < 5000 && device.IsConnected; i++)
            {
                if (device.Publish("devices/flood-1/up/r" + i.ToString(CultureInfo.InvariantCulture), payload, 0, payload.Length, 0, true, out _) == TransportStatus.Ok)
                {
                    sent++;
                }
            }

            Thread.Sleep(1000);
        }

        long after = ResidentBytes();
        _output.WriteLine("broker RSS " + Mb(before) + " MB before, " + Mb(after) + " MB after " + sent + " retained publishes accepted by the socket");
        Assert.True(after - before < AllowedGrowthBytes, "broker grew from " + Mb(before) + " to " + Mb(after) + " MB");

        // Nothing of the flood was kept: a new subscriber to the device's subtree receives no retained message from it.
        using var service = new MosquittoSubscriber(_broker.Service, "devices/flood-1/up/#", timeoutSeconds: 3, format: "%t %l");
        service.WaitForExit(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(service.Lines, l => l.StartsWith("devices/flood-1/up/r", StringComparison.Ordinal));
    }

    [Fact]
    public void APacketOverTheLimit_IsNotDeliveredAndDisconnectsItsSender()
    {
        var (certificate, key) = _broker.Provision("big-1");
        using var service = new MosquittoSubscriber(_broker.Service, "devices/big-1/up/#", timeoutSeconds: 6, format: "%t %l");
        using var device = Connect(_broker.Endpoint(certificate, key), "big-1");
        byte[] small = new byte[640];
        byte[] large = new byte[2100];
        device.Publish("devices/big-1/up/health", small, 0, small.Length, 1, false, out _);
        Assert.True(service.WaitFor(l => l == "devices/big-1/up/health 640", TimeSpan.FromSeconds(5)), "a 640-byte report (the largest the design sends) arrives");
        device.Publish("devices/big-1/up/health", large, 0, large.Length, 1, false, out _);
        service.WaitForExit(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("devices/big-1/up/health 2100", service.Lines);
        Thread.Sleep(500);
        var probe = new InboundMessage(64);
        device.TryReceive(probe);
        Assert.False(device.IsConnected && device.Publish("devices/big-1/up/health", small, 0, small.Length, 1, false, out _) == TransportStatus.Ok && WaitAck(device),
            "the broker disconnects a client that sends a packet over max_packet_size");
    }

    [Fact]
    public void RetainedMessagesOfADevice_AreBoundedByItsFourTopics()
    {
        var (certificate, key) = _broker.Provision("ret-1");
        using (var device = Connect(_broker.Endpoint(certificate, key), "ret-1"))
        {
            byte[] payload = new byte[100];
            foreach (string leaf in new[] { "status", "health", "events", "update", "other", "x/y" })
            {
                device.Publish("devices/ret-1/up/" + leaf, payload, 0, payload.Length, 1, true, out _);
            }

            Thread.Sleep(800);
        }

        using var service = new MosquittoSubscriber(_broker.Service, "devices/ret-1/up/#", timeoutSeconds: 3, format: "%t %r");
        service.WaitForExit(TimeSpan.FromSeconds(10));
        string[] retained = service.Lines.Where(l => l.EndsWith(" 1", StringComparison.Ordinal)).Select(l => l.Split(' ')[0]).OrderBy(t => t, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { "devices/ret-1/up/events", "devices/ret-1/up/health", "devices/ret-1/up/status", "devices/ret-1/up/update" }, retained);
    }

    private static bool WaitAck(TlsMqttTransport device)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < deadline)
        {
            if (device.TryTakeAcknowledged(out _))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    private static TlsMqttTransport Connect(TlsEndpoint endpoint, string id)
    {
        var transport = new TlsMqttTransport(endpoint);
        var result = new ConnectResult();
        transport.Connect(new MqttConnectOptions { ClientId = id, KeepAliveSeconds = 30, CleanSession = true }, result);
        Assert.True(result.Connected, id + " connects: " + result.Failure + " " + result.Detail);
        return transport;
    }

    private long ResidentBytes()
    {
        string line = File.ReadAllLines("/proc/" + _broker.Broker.ProcessId + "/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
}
