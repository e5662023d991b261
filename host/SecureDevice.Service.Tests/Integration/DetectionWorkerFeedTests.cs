using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Fleet.Detection;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.EndToEnd;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// Detection fed from the database (<see cref="DetectionFeedMode.Database"/>): one device's stream split across two
/// ingest pipelines (two instances behind a shared subscription) reaches the feed whole, and a worker fed from it judges
/// as one worker fed every batch in process (the split worker misses the flood); a holder that stops renewing is taken
/// over within the lease's TTL, the new holder resumes from the saved state and cursor (nothing judged twice, nothing
/// skipped, a bad row skipped and counted), and the old holder's state is dropped.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DetectionWorkerFeedTests : IDisposable
{
    private const string Device = "dev-001";
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("feedworker");

    public DetectionWorkerFeedTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Feed_StreamSplitAcrossTwoPipelines_JudgedAsOneWorkerFedEveryBatch_TheSplitWorkerMissesTheFlood(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            var seen = new List<CommittedBatch>();
            var firstOnly = new List<CommittedBatch>();
            IngestPipeline one = await PipelineAsync(store, new Recorder(seen, firstOnly));
            IngestPipeline two = await PipelineAsync(store, new Recorder(seen, null));
            // 120 reports (about 90 are the firmware's most within a few minutes, four boots' bursts included), dealt
            // round robin in batches of 6, with a duplicate and a malformed payload on the second instance.
            for (int batch = 0; batch < 20; batch++)
            {
                IngestPipeline pipeline = batch % 2 == 0 ? one : two;
                var messages = Enumerable.Range((batch * 6) + 1, 6).Select(seq => Message(HealthReports.Cbor(1, seq))).ToList();
                if (batch == 5)
                {
                    messages.Add(Message(HealthReports.Cbor(1, 3)));
                    messages.Add(Message(new byte[] { 0xA1, 0x00 }));
                }

                await pipeline.ProcessAsync(messages, None);
            }

            List<FeedRow> rows = await new DetectionFeedStore(sql).ReadAsync(0, 1000, None);
            CommittedBatch[] fed = rows.Select(r => DetectionFeedCodec.Decode(r.Body)).ToArray();

            // The feed carries, in commit order, exactly what each instance's observers were told.
            Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), rows.Select(r => r.Seq));
            Assert.Equal(seen.Select(b => Convert.ToHexString(DetectionFeedCodec.Encode(b with { CommittedMs = 0 }))), fed.Select(b => Convert.ToHexString(DetectionFeedCodec.Encode(b with { CommittedMs = 0 }))));
            Assert.Contains(fed[5].Rejections, r => r.Reason == "duplicate");
            Assert.Contains(fed[5].Rejections, r => r.Reason == "malformed-cbor");

            var (reference, referenceFindings) = await JudgeAsync(seen);
            var (fromFeed, feedFindings) = await JudgeAsync(fed);
            var (split, splitFindings) = await JudgeAsync(firstOnly);

            Assert.Contains("message-flood", referenceFindings);
            Assert.Equal(referenceFindings, feedFindings);
            Assert.Equal(reference.Engine.ExportState(Device), fromFeed.Engine.ExportState(Device));
            Assert.DoesNotContain("message-flood", splitFindings); // the old behaviour: each instance sees half
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Lease_HolderStopsRenewing_OtherTakesOverWithinTheTtl_ResumesFromTheSavedCursor_NothingTwiceNothingSkipped(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        using var otherFolder = new TemporaryDirectory("feedref");
        var (referenceStore, referenceSql) = await StoreFactory.OpenAsync("sqlite", _postgres, otherFolder);
        await using (store)
        await using (referenceStore)
        {
            var options = new IntegrationOptions
            {
                TrafficWindow = TimeSpan.FromSeconds(1),
                SnapshotInterval = TimeSpan.Zero,
                TickInterval = TimeSpan.FromHours(1),
                FeedLeaseTtl = TimeSpan.FromSeconds(1),
                FeedRenewInterval = TimeSpan.FromMilliseconds(100),
                FeedPollInterval = TimeSpan.FromMilliseconds(20),
                FeedReadRows = 7,
            };
            long t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 600_000;
            // Row 41 is damaged: skipped (counted) by every reader, the tail goes on.
            Func<int, (byte[] Body, long CommittedMs)> row = i => i == 40 ? (new byte[] { 1, 0xFF }, t0 + (i * 150)) : (Batch(i, t0 + (i * 150)), t0 + (i * 150));
            await DetectionFeedStoreTests.AppendAsync(sql, 30, row);
            await DetectionFeedStoreTests.AppendAsync(referenceSql, 60, row);

            DetectionWorker a = FeedWorker(options, sql, "one");
            DetectionWorker b = FeedWorker(options, sql, "two");
            DetectionWorker reference = FeedWorker(options, referenceSql, "ref");
            using var stop = new CancellationTokenSource();
            Task runA = a.RunAsync(stop.Token);
            await ServiceLab.WaitUntil(() => Task.FromResult(a.HoldsLease && a.FeedCursor == 30), TimeSpan.FromSeconds(20), "a holds the lease and judged the first 30 rows");
            Task runB = b.RunAsync(stop.Token);
            var feed = new DetectionFeedStore(sql);
            FeedCursor? saved = await feed.LoadCursorAsync(DetectionFeedStore.DetectionLease, None);
            Assert.NotNull(saved);
            Assert.InRange(saved!.Seq, 1, 29); // saved at a window's close, behind the rows judged since
            Assert.False(b.HoldsLease);

            a.Paused = true; // a long pause: a stops renewing
            var paused = System.Diagnostics.Stopwatch.StartNew();
            await DetectionFeedStoreTests.AppendAsync(sql, 30, i => row(i + 30));
            await ServiceLab.WaitUntil(() => Task.FromResult(b.HoldsLease), TimeSpan.FromSeconds(10), "b takes the lease over");
            Assert.True(paused.Elapsed < TimeSpan.FromSeconds(5), "taken over after " + paused.Elapsed);
            await ServiceLab.WaitUntil(() => Task.FromResult(b.FeedCursor == 60), TimeSpan.FromSeconds(20), "b judged every row");
            Task runReference = reference.RunAsync(stop.Token);
            await ServiceLab.WaitUntil(() => Task.FromResult(reference.FeedCursor == 60), TimeSpan.FromSeconds(20), "the reference judged every row");

            // b restored a's saved state and replayed only the rows after the saved cursor: the same state as one worker
            // that judged every row once. Replaying from the start, or from where a stopped, would count rows twice.
            Assert.True(b.Restored > 0);
            Assert.Equal(reference.Engine.ExportState(Device), b.Engine.ExportState(Device));

            // a wakes up: its renewal is refused, its state dropped; a save under its name is refused.
            a.Paused = false;
            await ServiceLab.WaitUntil(() => Task.FromResult(!a.HoldsLease && a.Engine.ExportState(Device) == null), TimeSpan.FromSeconds(10), "a lost the lease and dropped its state");
            Assert.False(await feed.SaveAsync(DetectionFeedStore.DetectionLease, a.LeaseOwner, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 1000,
                Array.Empty<KeyValuePair<string, byte[]>>(), new FeedCursor(0, 0), "one", None));
            stop.Cancel();
            try
            {
                await Task.WhenAll(runA, runB, runReference);
            }
            catch (OperationCanceledException)
            {
                // A worker cancelled inside a database call ends with the provider's cancellation (Npgsql throws it), as the
                // service's stop expects (FleetService.StoppedAsync): seen once on PostgreSQL under load.
            }
        }
    }

    private static DetectionWorker FeedWorker(IntegrationOptions options, SqlDialect sql, string instance)
    {
        var worker = new DetectionWorker(options, TimeProvider.System) { State = new ServiceStateStore(sql) };
        worker.UseFeed(new DetectionFeedStore(sql), instance);
        return worker;
    }

    /// <summary>Batch <paramref name="i"/>: three reports of the device (seq 3i+1..3i+3), committed at <paramref name="atMs"/>.</summary>
    private static byte[] Batch(int i, long atMs)
    {
        var reports = Enumerable.Range((i * 3) + 1, 3).Select(seq =>
        {
            byte[] payload = HealthReports.Cbor(1, seq, supplyMillivolts: 3300 + (seq % 7));
            SecureDevice.Fleet.Telemetry.HealthDecoder.TryDecode(payload, out var report, out _);
            return new StoredReport(Device, "acme", atMs, 1, seq, payload.Length, report!) { Payload = payload };
        }).ToArray();
        return DetectionFeedCodec.Encode(new CommittedBatch(reports, Array.Empty<StoredEvent>(), Array.Empty<IngestRejection>(), atMs));
    }

    /// <summary>A worker judging <paramref name="batches"/> in order, then a minute later closing the window; the rules of the findings it opened.</summary>
    private static async Task<(DetectionWorker Worker, List<string> Findings)> JudgeAsync(IEnumerable<CommittedBatch> batches)
    {
        var start = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
        var time = new ManualTime(start);
        var findings = new List<string>();
        var worker = new DetectionWorker(new IntegrationOptions { TrafficWindow = TimeSpan.FromMinutes(1) }, time) { FindingChanged = f => findings.Add(f.Code + ":" + f.State) };
        foreach (CommittedBatch batch in batches)
        {
            await worker.JudgeAsync(batch);
        }

        time.Now = start.AddMinutes(1);
        await worker.TickNowAsync(time.Now.UtcDateTime);
        return (worker, findings.Select(f => f.Split(':')[0]).ToList());
    }

    private static InboundMessage Message(byte[] payload) => new()
    {
        Topic = "devices/" + Device + "/up/health",
        Payload = payload,
        ReceivedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
    };

    private static async Task<IngestPipeline> PipelineAsync(FleetStore store, IIngestObserver observer)
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await store.SyncRegistryAsync(new[] { new RegistryEntry(Device, "acme", "0A1B2C", new string('a', 64), now + (86_400_000L * 365), now - 1000, "active", null) }, now, None);
        var registry = new DeviceRegistry();
        registry.Replace(await store.ListDevicesAsync(None));
        var options = new IngestOptions { DetectionFeed = DetectionFeedMode.Database, Limits = new FairLimits { DevicePerHour = 1_000_000, DeviceBurst = 1_000_000 } };
        return new IngestPipeline(store, _ => false, registry, new ServiceMetrics(), new[] { observer }, null, () => 0, options, NullLogger.Instance, TimeProvider.System);
    }

    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Every batch an instance's observers were told, in call order (and the first instance's alone).</summary>
    private sealed class Recorder(List<CommittedBatch> all, List<CommittedBatch>? mine) : IIngestObserver
    {
        public void OnCommitted(CommittedBatch batch)
        {
            all.Add(batch);
            mine?.Add(batch);
        }
    }
}
