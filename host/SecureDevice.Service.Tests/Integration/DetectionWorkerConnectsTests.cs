using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Fleet.Detection;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// reconnect-storm in the service: the worker counts a device's connections from its status messages (our firmware says
/// "online" once after every connection it opens) and passes them as the traffic window's connects. The firmware's
/// worst legitimate case (its whole fast phase, each connection ended by its will) stays quiet; a redelivery the store
/// already had is not a second connection. The worker is driven directly (no broker, no store); the ingest pipeline,
/// with a real SQLite store, reports every valid status message with its DUP flag and whether it changed presence.
/// </summary>
public sealed class DetectionWorkerConnectsTests
{
    private static readonly DateTime T0 = new(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Statuses_SixtyOnlinesInAWindow_ReconnectStormOpens()
    {
        var (worker, clock, findings) = Worker();
        await worker.JudgeAsync(Batch(Enumerable.Range(0, 60).Select(i => Online("dev-storm", T0.AddSeconds(4 * i))).ToArray()));

        clock.Now = T0.AddMinutes(5);
        await worker.TickNowAsync(clock.Now);

        Finding storm = Assert.Single(findings, f => f.Code == "reconnect-storm");
        Assert.Equal(FindingState.Open, storm.State);
        Assert.Contains("60 connections", storm.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Statuses_TheWholeFastPhaseEachEndedByItsWill_NoFinding()
    {
        // The firmware's fastest quarter-hour: an attempt every 20 s, each accepted, announced and dropped (46 connections).
        var (worker, clock, findings) = Worker();
        for (int window = 0; window < 3; window++)
        {
            var statuses = new List<StoredStatus>();
            for (int i = 0; i < 15 + (window == 2 ? 1 : 0); i++)
            {
                DateTime at = T0.AddMinutes(5 * window).AddSeconds(20 * i);
                statuses.Add(Online("dev-glitchy", at));
                statuses.Add(Offline("dev-glitchy", at.AddSeconds(10)));
            }

            await worker.JudgeAsync(Batch(statuses.ToArray()));
            clock.Now = T0.AddMinutes(5 * (window + 1));
            await worker.TickNowAsync(clock.Now);
        }

        Assert.Empty(findings);
    }

    [Fact]
    public async Task Statuses_RedeliveriesTheStoreHad_NotCountedTwice()
    {
        // 40 connections, each "online" delivered again after the service's session came back: still 40, under the bucket.
        var (worker, clock, findings) = Worker();
        StoredStatus[] first = Enumerable.Range(0, 40).Select(i => Online("dev-redelivered", T0.AddSeconds(5 * i))).ToArray();
        StoredStatus[] again = first.Select(s => s with { ReceivedMs = s.ReceivedMs + 60_000, Redelivery = true, Changed = false }).ToArray();
        await worker.JudgeAsync(Batch(first));
        await worker.JudgeAsync(Batch(again));

        clock.Now = T0.AddMinutes(5);
        await worker.TickNowAsync(clock.Now);

        Assert.Empty(findings);
    }

    [Fact]
    public async Task IngestPipeline_EveryValidStatus_ReportedWithRedeliveryAndChange()
    {
        using var folder = new TemporaryDirectory("statuses");
        var (store, _) = await StoreFactory.OpenAsync("sqlite", null!, folder, Base);
        await using (store)
        {
            await store.SyncRegistryAsync(new[] { new RegistryEntry("dev-s", "acme", "0A1B2C", new string('a', 64), Base + 86_400_000L * 365, Base - 1000, "active", null) }, Base, default);
            var registry = new DeviceRegistry();
            registry.Replace(await store.ListDevicesAsync(default));
            var batches = new List<CommittedBatch>();
            var ingest = new IngestPipeline(store, error => error is TimeoutException, registry, new ServiceMetrics(), new IIngestObserver[] { new Observer(batches.Add) }, null, () => 0,
                new IngestOptions(), NullLogger.Instance, TimeProvider.System);

            // A connection, its "online" delivered again (DUP) after the service's session came back, the will, a new connection.
            await ingest.ProcessAsync(new[] { Status("online", Base + 1_000, false) }, default);
            await ingest.ProcessAsync(new[] { Status("online", Base + 2_000, true), Status("offline", Base + 3_000, false), Status("online", Base + 4_000, false) }, default);

            StoredStatus[] seen = batches.SelectMany(b => b.Statuses).ToArray();
            Assert.Equal(new[] { (true, false, true), (true, true, false), (false, false, true), (true, false, true) }, seen.Select(s => (s.Online, s.Redelivery, s.Changed)));
            Assert.All(seen, s => Assert.Equal("dev-s", s.DeviceId));
        }
    }

    private const long Base = 1_800_000_000_000;

    private static InboundMessage Status(string status, long receivedMs, bool redelivery) =>
        new() { Topic = "devices/dev-s/up/status", Payload = Encoding.ASCII.GetBytes(status), ReceivedMs = receivedMs, Redelivery = redelivery };

    private sealed class Observer(Action<CommittedBatch> committed) : IIngestObserver
    {
        public void OnCommitted(CommittedBatch batch) => committed(batch);
    }

    /// <summary>A worker on a settable clock that reports every changed finding, and the list it reports into.</summary>
    internal static (DetectionWorker Worker, SettableClock Clock, List<Finding> Findings) Worker(IntegrationOptions? options = null)
    {
        var clock = new SettableClock(T0);
        var findings = new List<Finding>();
        var worker = new DetectionWorker(options ?? new IntegrationOptions(), clock) { FindingChanged = findings.Add };
        return (worker, clock, findings);
    }

    /// <summary>As ingest commits them: a status that changed the stored presence is also a "presence" event.</summary>
    internal static CommittedBatch Batch(StoredStatus[] statuses) => new(
        Array.Empty<StoredReport>(),
        statuses.Where(s => s.Changed).Select(s => new StoredEvent(s.DeviceId, "acme", s.ReceivedMs, "presence", null, s.Online ? "online" : "offline")).ToArray(),
        Array.Empty<IngestRejection>(),
        0) { Statuses = statuses };

    // A first delivery changes the stored presence when the device's previous word was the other one.
    private static StoredStatus Online(string device, DateTime at) => new(device, Ms(at), true, 6, false, true);

    private static StoredStatus Offline(string device, DateTime at) => new(device, Ms(at), false, 7, false, true);

    private static long Ms(DateTime at) => new DateTimeOffset(at).ToUnixTimeMilliseconds();

    internal sealed class SettableClock(DateTime now) : TimeProvider
    {
        public DateTime Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => new(Now);
    }
}
