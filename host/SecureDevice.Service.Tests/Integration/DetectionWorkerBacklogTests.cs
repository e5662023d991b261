using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Detection;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Integration;
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
        byte[] flagged = Reference(options, backlog: true);
        byte[] unflagged = Reference(options, backlog: false);
        Assert.NotEqual(flagged, unflagged);
        Assert.Equal(credit ? flagged : unflagged, worker.Engine.ExportState("dev-1"));
    }

    private static byte[] Reference(IntegrationOptions options, bool backlog)
    {
        var engine = new DetectionEngine(options.Detection);
        var window = new TrafficWindow(Start.UtcDateTime, (Start + options.TrafficWindow).UtcDateTime, Messages, (long)Messages * Bytes, 0, 0, 0, 0, backlog);
        engine.OnTraffic("dev-1", window);
        return engine.ExportState("dev-1")!;
    }

    private sealed class ManualTime : TimeProvider
    {
        public ManualTime(DateTimeOffset now) => Now = now;

        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
