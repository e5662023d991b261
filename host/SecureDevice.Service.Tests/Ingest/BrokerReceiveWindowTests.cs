using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet.Diagnostics.PacketInspection;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>
/// The broker's in-flight window (MQTT 5 Receive Maximum) and the service's own bound behind it. With every
/// acknowledgement held, the real broker delivers at most Receive Maximum messages beyond those acknowledged; while
/// acknowledgements flow Debian 12's mosquitto 2.0.11 delivers more, a broker bug fixed in 2.0.13 (the skipped
/// reproducer below; docs/scale.md, sixth round). The service does not depend on it: MQTTnet reads the socket only while
/// the delivery gate has room, so it holds at most the ingest byte budget plus the gate's window whatever the broker
/// sends (docs/service.md, "Back-pressure at the socket").
/// </summary>
public sealed class BrokerReceiveWindowTests : IDisposable
{
    private readonly ServiceLab _lab = new();
    private readonly ITestOutputHelper _output;

    public BrokerReceiveWindowTests(ITestOutputHelper output) => _output = output;

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
    // It is the broker's evidence only: the service's memory no longer rests on it (the delivery gate, the tests below).
    [Fact(Skip = "mosquitto 2.0.11 (Debian 12, the only broker here) overruns Receive Maximum while PUBACKs flow: 770 held against 100. Its bug, fixed in 2.0.13 (eclipse/mosquitto#2306, commit 330bf6e); docs/scale.md, sixth round. The service's own bound does not rest on it (delivery gate). Un-skip on a broker >= 2.0.13")]
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

    // The service's own bound, whatever the broker does (docs/service.md, "Back-pressure at the socket"): against the
    // same mosquitto 2.0.11, with acknowledgements flowing slowly and the byte budget at its minimum (1 MiB), the broker
    // delivers far more than Receive Maximum unacknowledged, yet MQTTnet holds at most the delivery window of PUBLISH
    // packets outside the budget, because the gate stops reading the socket. MQTTnet's own packet inspector (called
    // inside its adapter, under the gate) counts what was read; the pipeline's metrics what ingest took. Without the
    // gate MQTTnet reads whatever the broker sends and the held count climbs into the thousands.
    [Fact]
    public async Task AcknowledgementsFlowingSlowly_BrokerOverrunsReceiveMaximum_ServiceHoldsBudgetPlusWindow_EveryReportCommittedOnce()
    {
        const int receiveMaximum = 100;
        const int deliveryWindow = 32;
        const int devices = 4;
        const int reportsEach = 1000;
        var slow = new SlowObserver();
        var recorder = new CommitRecorder();
        var counter = new PacketCounter();
        ServiceOptions options = _lab.Options() with
        {
            ReceiveMaximum = receiveMaximum,
            DeliveryWindow = deliveryWindow,
            Ingest = new IngestOptions { QueueBytes = 1 << 20, Limits = new FairLimits { DevicePerHour = 1_000_000, DeviceBurst = 1_000_000 } },
        };
        var enrolled = _lab.Enroll("gate", devices);
        await using RunningService service = await _lab.StartAsync(options, new ServiceExtensions
        {
            Observers = new IIngestObserver[] { slow, recorder },
            Attachments = new IServiceAttachment[] { counter },
        });
        DevicePublisher[] publishers = await _lab.ConnectAsync(enrolled);
        double peakBytes = 0;
        using var sampling = new CancellationTokenSource();
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakBytes = Math.Max(peakBytes, service.Service.Metrics.QueueBytes.Value);
                await Task.Delay(2);
            }
        });
        try
        {
            await Task.WhenAll(publishers.Select(async p =>
            {
                for (int seq = 1; seq <= reportsEach; seq++)
                {
                    await p.PublishHealthAsync(1, seq, CancellationToken.None);
                }
            }));
            // The recorder too: observers hear of a batch after its metrics count it (IngestPipeline.Report), and the slow
            // observer before it sleeps, so the metric alone can be ahead of the recorder by one batch.
            await ServiceLab.WaitUntil(() => Task.FromResult(service.Service.Metrics.Stored.WithLabels("health").Value >= devices * reportsEach && service.Service.Metrics.QueueDepth.Value == 0
                && recorder.Reports.Count >= devices * reportsEach),
                TimeSpan.FromSeconds(120), "every report committed and acknowledged");
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

        _output.WriteLine($"peak unacknowledged {counter.PeakUnacknowledged} (Receive Maximum {receiveMaximum}), peak outside the budget {counter.PeakOutsideBudget} (window {deliveryWindow}), peak budget bytes {peakBytes}");
        // The broker overran its window (its bug), so only the gate can have bounded what MQTTnet held.
        Assert.True(counter.PeakUnacknowledged > receiveMaximum, $"the broker delivered only {counter.PeakUnacknowledged} unacknowledged: no overrun to hold back");
        // Read but not yet taken by ingest: the window, plus at most the one message between the gate's Taken and the counter.
        Assert.True(counter.PeakOutsideBudget <= deliveryWindow + 1, $"{counter.PeakOutsideBudget} PUBLISH packets held by MQTTnet outside the budget (window {deliveryWindow})");
        Assert.True(peakBytes <= 1 << 20, $"{peakBytes} bytes in the budget of {1 << 20}");
        Assert.Equal(devices * reportsEach, recorder.Reports.Count);
        Assert.Equal(devices * reportsEach, service.Service.Metrics.Stored.WithLabels("health").Value);
        foreach (string reason in new[] { "duplicate", "redelivered", "stale", "rate-limited-device", "rate-limited-customer" })
        {
            Assert.Equal(0, service.Service.Metrics.Rejected.WithLabels(reason).Value);
        }
    }

    // The one case the gate changes the connection (docs/service.md, "Back-pressure at the socket"): nothing is
    // acknowledged for longer than the keep-alive (here the acknowledger blocked; in production a database down) while
    // the budget is full. MQTTnet's PINGRESP is then behind unread PUBLISH packets, its ping times out and it drops the
    // connection. Nothing is lost: every report is committed once after the block ends, the broker redelivers what was
    // not acknowledged, and the copies are counted, not stored. Receive Maximum 4,096 is honoured here (no PUBACK flows)
    // but its 4,096 reports are more than the 1 MiB budget holds, so the gate closes on a correct broker too.
    [Fact]
    public async Task NothingAcknowledgedPastTheKeepAlive_GateClosed_ConnectionDropsAndReconnects_EveryReportCommittedOnce()
    {
        const int deliveryWindow = 32;
        const int devices = 4;
        const int reportsEach = 500;
        using var blocker = new BlockingObserver();
        var recorder = new CommitRecorder();
        var counter = new PacketCounter();
        ServiceOptions options = _lab.Options() with
        {
            KeepAlive = TimeSpan.FromSeconds(2),
            DeliveryWindow = deliveryWindow,
            Ingest = new IngestOptions { QueueBytes = 1 << 20, Limits = new FairLimits { DevicePerHour = 1_000_000, DeviceBurst = 1_000_000 } },
        };
        var enrolled = _lab.Enroll("ka", devices);
        await using RunningService service = await _lab.StartAsync(options, new ServiceExtensions
        {
            Observers = new IIngestObserver[] { blocker, recorder },
            Attachments = new IServiceAttachment[] { counter },
        });
        DevicePublisher[] publishers = await _lab.ConnectAsync(enrolled);
        try
        {
            await Task.WhenAll(publishers.Select(async p =>
            {
                for (int seq = 1; seq <= reportsEach; seq++)
                {
                    await p.PublishHealthAsync(1, seq, CancellationToken.None);
                }
            }));
            Assert.True(blocker.Entered.Wait(TimeSpan.FromSeconds(30)), "the first batch never reached the observer");
            await ServiceLab.WaitUntil(() => Task.FromResult(!service.Service.Mqtt.Connected), TimeSpan.FromSeconds(30), "MQTTnet's keep-alive did not drop the connection");
            double outsideBudget = counter.PeakOutsideBudget;
            Assert.Equal(1, service.Service.Metrics.BrokerConnects.WithLabels("ok").Value);

            blocker.Release();
            await ServiceLab.WaitUntil(() => Task.FromResult(service.Service.Mqtt.Connected && service.Service.Metrics.Stored.WithLabels("health").Value >= devices * reportsEach
                && service.Service.Metrics.QueueDepth.Value == 0 && recorder.Reports.Count >= devices * reportsEach), TimeSpan.FromSeconds(120), "every report committed after the reconnect");
            _output.WriteLine($"peak outside the budget before the drop {outsideBudget} (window {deliveryWindow}); redelivered {service.Service.Metrics.Rejected.WithLabels("redelivered").Value}; connects {service.Service.Metrics.BrokerConnects.WithLabels("ok").Value}");
            Assert.True(outsideBudget <= deliveryWindow + 1, $"{outsideBudget} PUBLISH packets held by MQTTnet outside the budget (window {deliveryWindow})");
        }
        finally
        {
            blocker.Release();
            foreach (DevicePublisher publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }

        Assert.True(service.Service.Metrics.BrokerConnects.WithLabels("ok").Value >= 2);
        Assert.Equal(devices * reportsEach, recorder.Reports.Count);
        Assert.Equal(devices * reportsEach, service.Service.Metrics.Stored.WithLabels("health").Value);
        Assert.Equal(0, service.Service.Metrics.Rejected.WithLabels("duplicate").Value);
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
