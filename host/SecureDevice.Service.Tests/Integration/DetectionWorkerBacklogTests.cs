using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Fleet.Detection;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// A traffic window that ingest's outage credit overlaps holds the broker's backlog, delivered at once: the worker passes
/// it to the engine as a backlog window, whose rate rules skip it (docs/detection.md). Checked against engines fed the
/// same window by hand, flagged and not: 10,000 messages in a minute open message-flood on an unflagged window.
/// </summary>
public sealed class DetectionWorkerBacklogTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private const int Messages = 10_000;
    private const int Bytes = 80;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CloseWindow_CreditInForceOrNot_EngineGetsTheWindowFlaggedSo(bool credit)
    {
        var time = new ManualTime(Start);
        var options = new IntegrationOptions { TrafficWindow = TimeSpan.FromMinutes(1) };
        DateTime? askedStart = null;
        var worker = new DetectionWorker(options, time)
        {
            BacklogDuring = (start, end) =>
            {
                askedStart = start;
                return credit;
            },
        };

        var flood = new CommittedBatch(Array.Empty<StoredReport>(), Array.Empty<StoredEvent>(),
            Enumerable.Repeat(new IngestRejection("dev-1", "acme", "rate-limited-device", "x", Bytes, Start.ToUnixTimeMilliseconds()), Messages).ToArray(), 0);
        await worker.JudgeAsync(flood);
        time.Now = Start + options.TrafficWindow;
        await worker.JudgeAsync(new CommittedBatch(Array.Empty<StoredReport>(), Array.Empty<StoredEvent>(), Array.Empty<IngestRejection>(), 0));

        Assert.Equal(Start.UtcDateTime, askedStart);
        byte[] flagged = Reference(options, Start, backlog: true);
        byte[] unflagged = Reference(options, Start, backlog: false);
        Assert.NotEqual(flagged, unflagged);
        Assert.Equal(credit ? flagged : unflagged, worker.Engine.ExportState("dev-1"));
    }

    /// <summary>
    /// After a 2 h outage the limiter's credit lasts an hour, but the backlog drained in seconds: the writer found its
    /// queue dry 5 s after the credit. A window 10 minutes later overlaps the credit, not the drain, so it is judged as
    /// live traffic and a flood in it opens message-flood (before the review's fix it was skipped for the whole hour);
    /// the window holding the reconnect and the drain stays a backlog window.
    /// </summary>
    [Fact]
    public async Task CloseWindow_CreditInForceButBacklogDrained_LaterFloodWindowJudgedNormally_OpensMessageFlood()
    {
        var time = new ManualTime(Start);
        var pipeline = new IngestPipeline(new AcceptingStore(), _ => false, new DeviceRegistry(), new ServiceMetrics(), Array.Empty<IIngestObserver>(), null, () => 0,
            new IngestOptions(), NullLogger.Instance, time);
        pipeline.CreditOutage(2 * 3_600_000L);
        using var stop = new CancellationTokenSource();
        Task writer = pipeline.RunAsync(stop.Token);
        time.Now = Start.AddSeconds(5);
        var acknowledged = new TaskCompletionSource();
        await pipeline.EnqueueAsync(new InboundMessage
        {
            Topic = "devices/dev-2/up/health",
            Payload = new byte[] { 0xA0 },
            ReceivedMs = time.Now.ToUnixTimeMilliseconds(),
            Acknowledge = _ =>
            {
                acknowledged.TrySetResult();
                return Task.CompletedTask;
            },
        }, CancellationToken.None);
        await acknowledged.Task.WaitAsync(TimeSpan.FromSeconds(30));
        stop.Cancel();
        await writer.WaitAsync(TimeSpan.FromSeconds(30));

        long credited = pipeline.Backlog!.UntilMs;
        Assert.Equal(Start.AddHours(1).ToUnixTimeMilliseconds(), credited);

        DateTimeOffset later = Start.AddMinutes(10);
        time.Now = later;
        var options = new IntegrationOptions { TrafficWindow = TimeSpan.FromMinutes(1) };
        var findings = new List<Finding>();
        var worker = new DetectionWorker(options, time)
        {
            BacklogDuring = (start, end) => pipeline.BacklogDuring(new DateTimeOffset(start, TimeSpan.Zero).ToUnixTimeMilliseconds(), new DateTimeOffset(end, TimeSpan.Zero).ToUnixTimeMilliseconds()),
            FindingChanged = findings.Add,
        };
        var flood = new CommittedBatch(Array.Empty<StoredReport>(), Array.Empty<StoredEvent>(),
            Enumerable.Repeat(new IngestRejection("dev-1", "acme", "rate-limited-device", "x", Bytes, later.ToUnixTimeMilliseconds()), Messages).ToArray(), 0);
        await worker.JudgeAsync(flood);
        time.Now = later + options.TrafficWindow;
        await worker.JudgeAsync(new CommittedBatch(Array.Empty<StoredReport>(), Array.Empty<StoredEvent>(), Array.Empty<IngestRejection>(), 0));

        Assert.Contains(findings, f => f.DeviceId == "dev-1" && f.Rule == DetectionRule.MessageFlood);
        Assert.Equal(Reference(options, later, backlog: false), worker.Engine.ExportState("dev-1"));
        long drained = pipeline.Backlog.DrainedMs;
        Assert.Equal(Start.AddSeconds(5).ToUnixTimeMilliseconds(), drained);
        Assert.True(pipeline.BacklogDuring(Start.ToUnixTimeMilliseconds(), Start.AddMinutes(1).ToUnixTimeMilliseconds()));
    }

    private static byte[] Reference(IntegrationOptions options, DateTimeOffset start, bool backlog)
    {
        var engine = new DetectionEngine(options.Detection);
        var window = new TrafficWindow(start.UtcDateTime, (start + options.TrafficWindow).UtcDateTime, Messages, (long)Messages * Bytes, 0, 0, 0, 0, backlog);
        engine.OnTraffic("dev-1", window);
        return engine.ExportState("dev-1")!;
    }

    /// <summary>A database that takes every batch (the drain test's messages are all refused: no registry).</summary>
    private sealed class AcceptingStore : IIngestStore
    {
        public Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<DeviceRecord>>(Array.Empty<DeviceRecord>());

        public Task<RegistrySyncResult> SyncRegistryAsync(IReadOnlyList<RegistryEntry> entries, long nowMs, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<BatchResult> CommitAsync(IngestBatch batch, CancellationToken cancellationToken) =>
            Task.FromResult(new BatchResult(new bool[batch.Health.Count], new bool[batch.Events.Count], new bool[batch.Presence.Count]));
    }

    private sealed class ManualTime : TimeProvider
    {
        public ManualTime(DateTimeOffset now) => Now = now;

        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
