using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>
/// The service announces a Maximum Packet Size in its CONNECT, and the broker (Debian's mosquitto, not our code) keeps
/// larger packets from it. MQTTnet reads any packet the broker sends, up to MQTT's 256 MiB, so this is what bounds one
/// packet in the service whatever the broker's own <c>max_packet_size</c> (docs/service.md, "The bound").
/// </summary>
public sealed class BrokerMaximumPacketSizeTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Theory]
    [InlineData(1024u, 1)]  // above what the service announced: the broker drops it for the service's session
    [InlineData(16384u, 2)] // the default: it arrives, and is counted against its device as bad data
    public async Task DevicePacketAboveTheServiceMaximum_NeverDelivered_TheNextReportStored(uint maximum, int delivered)
    {
        Assert.Equal(16384u, new ServiceOptions { PkiFolder = "p", DataFolder = "d" }.MaximumPacketSize);
        var device = _lab.Enroll("big", 1).Single();
        await using RunningService service = await _lab.StartAsync(_lab.Options() with { MaximumPacketSize = maximum });
        DevicePublisher publisher = (await _lab.ConnectAsync(new[] { device })).Single();

        // 1,500 bytes of payload: below the lab broker's max_packet_size (2,048), so the device may send it.
        await publisher.PublishAsync("health", new byte[1500], None);
        await publisher.PublishHealthAsync(1, 0, None);
        IFleetStore store = service.Service.Store;
        await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) == 1 && (await store.ListCountersAsync(null, 0, None)).Sum(c => c.Count) == delivered - 1,
            TimeSpan.FromSeconds(20), "the report after the large packet, and the large packet's counter when delivered");

        // In order on one session: the report was delivered after the large packet, so the large one came before it or never.
        Assert.Equal(delivered, service.Service.Metrics.Received.Value);
        Assert.True(publisher.Connected, "the broker refused the device's packet");
        await publisher.DisposeAsync();
    }
}
