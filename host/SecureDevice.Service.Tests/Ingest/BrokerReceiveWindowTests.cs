using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>
/// The broker's in-flight window (MQTT 5 Receive Maximum) is what bounds MQTTnet's own delivery queue, which does not
/// stop reading the socket while ingest pushes back: with every acknowledgement held, the real broker delivers at most
/// Receive Maximum messages beyond those acknowledged. While acknowledgements flow Debian 12's mosquitto 2.0.11 delivers more,
/// a broker bug fixed in 2.0.13 (the skipped reproducer below; docs/scale.md, sixth round).
/// </summary>
public sealed class BrokerReceiveWindowTests : IDisposable
{
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Theory]
    [InlineData(20)]
    [InlineData(4096)] // the service's default (ServiceOptions.ReceiveMaximum)
    public async Task AcknowledgementsHeld_BrokerDeliversAtMostReceiveMaximumMore(int window)
    {
        using var blocker = new BlockingObserver();
        ServiceOptions options = _lab.Options() with { ReceiveMaximum = (ushort)window };
        var devices = _lab.Enroll("win", 4);
        await using RunningService service = await _lab.StartAsync(options, new ServiceExtensions { Observers = new IIngestObserver[] { blocker } });
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        try
        {
            // The first report's batch is committed and acknowledged, then its observer call blocks the acknowledger:
            // from here on nothing more is acknowledged.
            await publishers[0].PublishHealthAsync(1, 1, CancellationToken.None);
            Assert.True(blocker.Entered.Wait(TimeSpan.FromSeconds(30)), "the first batch never reached the observer");
            double acknowledged = service.Service.Metrics.Received.Value;

            for (int seq = 2; seq <= 2 + window * 5 / 4 / publishers.Length; seq++)
            {
                await Task.WhenAll(publishers.Select(p => p.PublishHealthAsync(1, seq, CancellationToken.None)));
            }

            await Task.Delay(2000);
            double received = service.Service.Metrics.Received.Value;
            Assert.True(received - acknowledged <= window, $"{received - acknowledged} messages delivered unacknowledged with Receive Maximum {window}");
            Assert.True(received - acknowledged >= window / 2, $"only {received - acknowledged} delivered: the probe saw no window at all");
        }
        finally
        {
            blocker.Release();
            foreach (DevicePublisher publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }
    }

    // The reproducer of the finding in docs/scale.md (sixth round): against Debian 12's mosquitto 2.0.11 it fails with 770
    // messages held against a Receive Maximum of 100. The cause is the broker's: for each PUBACK, 2.0.11 moves queued
    // messages into flight up to the acknowledged message's position in its in-flight list instead of the number in flight
    // (src/database.c, db__message_delete_outgoing), fixed in 2.0.13. Skipped because no fixed broker is installable here.
    [Fact(Skip = "mosquitto 2.0.11 (Debian 12, the only broker here) overruns Receive Maximum while PUBACKs flow: 770 held against 100. Its bug, fixed in 2.0.13 (eclipse/mosquitto#2306, commit 330bf6e); docs/scale.md, sixth round. Un-skip on a broker >= 2.0.13")]
    public async Task AcknowledgementsFlowingSlowly_HeldMessagesStayWithinReceiveMaximum()
    {
        const int window = 100;
        var slow = new SlowObserver();
        ServiceOptions options = _lab.Options() with { ReceiveMaximum = (ushort)window };
        var devices = _lab.Enroll("slow", 4);
        await using RunningService service = await _lab.StartAsync(options, new ServiceExtensions { Observers = new IIngestObserver[] { slow } });
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        double peak = 0;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, service.Service.Metrics.QueueDepth.Value);
                await Task.Delay(2);
            }
        });
        try
        {
            await Task.WhenAll(publishers.Select(async p =>
            {
                for (int seq = 1; seq <= 500; seq++)
                {
                    await p.PublishHealthAsync(1, seq, CancellationToken.None);
                }
            }));
            await ServiceLab.WaitUntil(() => Task.FromResult(service.Service.Metrics.QueueDepth.Value == 0 && service.Service.Metrics.Received.Value >= 2000), TimeSpan.FromSeconds(60), "all acknowledged");
        }
        finally
        {
            sampling.Cancel();
            await sampler;
            foreach (DevicePublisher publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }

        Assert.True(peak <= window, peak + " messages held unacknowledged with Receive Maximum " + window);
    }

    private sealed class SlowObserver : IIngestObserver
    {
        public void OnCommitted(CommittedBatch batch) => Thread.Sleep(20);
    }

    private sealed class BlockingObserver : IIngestObserver, IDisposable
    {
        private readonly ManualResetEventSlim _release = new();

        public ManualResetEventSlim Entered { get; } = new();

        public void OnCommitted(CommittedBatch batch)
        {
            Entered.Set();
            _release.Wait(TimeSpan.FromSeconds(60));
        }

        public void Release() => _release.Set();

        public void Dispose()
        {
            _release.Set();
            _release.Dispose();
            Entered.Dispose();
        }
    }
}
