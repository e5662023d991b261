using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Service.Tests.EndToEnd;

/// <summary>
/// The fair limits with the defaults' shape, scaled down to run in seconds: 8 at once and 1 per second per device (the
/// defaults are 60 and 720 per hour), the default customer share (a quarter), devices reporting well within them (every
/// 5 s, a quarter of their limit, as 12 per hour is of 720). The service is killed with SIGKILL for ~20 s while they keep
/// reporting and one device floods at 10 per second. When the service comes back, the broker delivers the backlog at
/// once: without the outage credit the customer's bucket (10) refused nearly all of it (acknowledged, lost, a ladder
/// offence). With it every report is stored once and nothing of theirs is refused, while the flood keeps no more than
/// what it could have sent live during the outage (docs/service.md, "Fair ingest").
/// </summary>
public sealed class OutageBacklogTests : IDisposable
{
    // A quarter of 8 is 2 per device at once for the customer: its 5 devices reporting together fit (the defaults give 15).
    private const int Burst = 8;
    private const int Reporters = 5;
    private const int Rounds = 4;
    private const int FloodPerSecond = 10;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(20);
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();
    private readonly ITestOutputHelper _output;

    public OutageBacklogTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task KillNine_BacklogWithinTheLimits_AllStoredNothingRefused_FloodStillLimited()
    {
        IReadOnlyList<EnrolledDevice> reporters = _lab.Enroll("r", Reporters, "acme");
        EnrolledDevice flooder = _lab.Enroll("f", 1, "globex")[0];
        string[] arguments = { "--pki", _lab.Lab.Pki.Folder, "--data", _lab.Lab.Data, "--broker", "localhost:" + _lab.Lab.Port, "--listen", "127.0.0.1:0", "--quiet",
            "--device-burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device-rate", "3600" };
        var first = ServiceProcess.Start(arguments);
        ServiceProcess? second = null;
        await using var store = new FleetStore(new SqliteDialect(_lab.Lab.Data));
        try
        {
            await first.ReadyAsync(TimeSpan.FromSeconds(60));
            DevicePublisher[] publishers = await _lab.ConnectAsync(reporters);
            DevicePublisher flood = (await _lab.ConnectAsync(new[] { flooder }))[0];
            await Task.WhenAll(publishers.Select(p => p.PublishHealthAsync(1, 0, None)));
            try
            {
                await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) >= Reporters, TimeSpan.FromSeconds(20), "the live reports stored");
            }
            catch (TimeoutException error)
            {
                throw new TimeoutException(error.Message + " (" + await store.CountHealthAsync(None) + ")\nfirst:\n" + first.Output + "\nbroker:\n" + _lab.Lab.Broker.Log[Math.Max(0, _lab.Lab.Broker.Log.Length - 3000)..]);
            }

            await Task.Delay(TimeSpan.FromSeconds(1)); // the service persisted that it is up (every 5 s, the first at connect)

            first.KillHard();
            var outage = Stopwatch.StartNew();
            Task reporting = Task.Run(async () =>
            {
                for (int seq = 1; seq <= Rounds; seq++)
                {
                    await Task.WhenAll(publishers.Select(p => p.PublishHealthAsync(1, seq, None)));
                    await Task.Delay(TimeSpan.FromSeconds(5));
                }
            });
            int flooded = 0;
            while (outage.Elapsed < Outage)
            {
                await flood.PublishHealthAsync(1, flooded++, None);
                await Task.Delay(1000 / FloodPerSecond);
            }

            await reporting;
            second = ServiceProcess.Start(arguments);
            await second.ReadyAsync(TimeSpan.FromSeconds(60));
            double outageSeconds = outage.Elapsed.TotalSeconds;

            int expected = Reporters * (Rounds + 1);
            try
            {
                await ServiceLab.WaitUntil(async () => await Judged(store, flooder.Id) >= flooded, TimeSpan.FromSeconds(30), flooded + " flood messages judged");
                await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) - await StoredOf(store, flooder.Id) >= expected, TimeSpan.FromSeconds(30), expected + " reports stored");
            }
            catch (TimeoutException error)
            {
                throw new TimeoutException(error.Message + "\nfirst:\n" + first.Output + "\nsecond:\n" + second.Output);
            }

            foreach (EnrolledDevice device in reporters)
            {
                IReadOnlyList<HealthRecord> rows = await store.ListHealthAsync(device.Id, 0, long.MaxValue, 1000, None);
                Assert.Equal(Enumerable.Range(0, Rounds + 1).Select(i => (long)i).ToArray(), rows.Select(r => r.Seq).OrderBy(s => s).ToArray());
                Assert.DoesNotContain(await store.ListCountersAsync(device.Id, 0, None), c => c.Reason.StartsWith("rate-limited", StringComparison.Ordinal));
                Assert.Empty(await store.ListActionsAsync(device.Id, 10, None));
            }

            // The flood: its bucket took 8 + 1 per second of outage more (the outage the service measured runs from its
            // last persisted "up" to the reconnect), plus its own 8 and what refilled while it drained; the rest refused.
            long stored = await StoredOf(store, flooder.Id);
            long refused = (await store.ListCountersAsync(flooder.Id, 0, None)).Where(c => c.Reason == "rate-limited-device").Sum(c => c.Count);
            _output.WriteLine("outage " + outageSeconds.ToString("F1") + " s; flood " + flooded + ": stored " + stored + ", refused " + refused);
            Assert.Equal(flooded, stored + refused);
            Assert.InRange(stored, Burst + (long)Outage.TotalSeconds, Burst + Burst + (long)Math.Ceiling(outageSeconds) + 10);
            foreach (DevicePublisher publisher in publishers.Append(flood))
            {
                await publisher.DisposeAsync();
            }
        }
        finally
        {
            first.Dispose();
            second?.Dispose();
        }
    }

    /// <summary>
    /// The first start of a version that saves its last-up time (an upgrade from a build without
    /// <c>ingest.last_up_ms:&lt;instance&gt;</c>), after a kill -9: the key is deleted before the restart, so the credit's
    /// outage comes from the database's newest commit (the live reports), and the backlog is stored once, nothing refused.
    /// </summary>
    [Fact]
    public async Task KillNine_NoSavedLastUpTime_CreditFromTheNewestCommit_BacklogStoredOnceNothingRefused()
    {
        IReadOnlyList<EnrolledDevice> reporters = _lab.Enroll("r", Reporters, "acme");
        string[] arguments = { "--pki", _lab.Lab.Pki.Folder, "--data", _lab.Lab.Data, "--broker", "localhost:" + _lab.Lab.Port, "--listen", "127.0.0.1:0", "--quiet",
            "--device-burst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device-rate", "3600" };
        var first = ServiceProcess.Start(arguments);
        ServiceProcess? second = null;
        await using var store = new FleetStore(new SqliteDialect(_lab.Lab.Data));
        try
        {
            await first.ReadyAsync(TimeSpan.FromSeconds(60));
            DevicePublisher[] publishers = await _lab.ConnectAsync(reporters);
            await Task.WhenAll(publishers.Select(p => p.PublishHealthAsync(1, 0, None)));
            await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) >= Reporters, TimeSpan.FromSeconds(20), "the live reports stored");
            await ServiceLab.WaitUntil(async () => await store.GetStateAsync(SecureDevice.Service.Hosting.FleetService.IngestUpState("service"), None) != null, TimeSpan.FromSeconds(10), "the last-up time saved");

            first.KillHard();
            // What a build without the saved time leaves: no row for any instance.
            Assert.Equal(1, await StoreFactory.ExecuteAsync(new SqliteDialect(_lab.Lab.Data), "DELETE FROM " + Tables.ServiceState + " WHERE name LIKE 'ingest.last_up_ms:%'"));
            for (int seq = 1; seq <= Rounds; seq++)
            {
                await Task.WhenAll(publishers.Select(p => p.PublishHealthAsync(1, seq, None)));
                await Task.Delay(TimeSpan.FromSeconds(5));
            }

            second = ServiceProcess.Start(arguments);
            await second.ReadyAsync(TimeSpan.FromSeconds(60));
            int expected = Reporters * (Rounds + 1);
            try
            {
                await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) + await Refused(store) >= expected, TimeSpan.FromSeconds(30), expected + " reports judged");
            }
            catch (TimeoutException error)
            {
                throw new TimeoutException(error.Message + "\nfirst:\n" + first.Output + "\nsecond:\n" + second.Output);
            }

            Assert.Equal(0, await Refused(store));
            foreach (EnrolledDevice device in reporters)
            {
                IReadOnlyList<HealthRecord> rows = await store.ListHealthAsync(device.Id, 0, long.MaxValue, 1000, None);
                Assert.Equal(Enumerable.Range(0, Rounds + 1).Select(i => (long)i).ToArray(), rows.Select(r => r.Seq).ToArray());
            }

            Assert.Contains("(database fallback: newest commit", second.Output);
            foreach (DevicePublisher publisher in publishers)
            {
                await publisher.DisposeAsync();
            }
        }
        finally
        {
            first.Dispose();
            second?.Dispose();
        }
    }

    private static async Task<long> Refused(FleetStore store) =>
        (await store.ListCountersAsync(null, 0, None)).Where(c => c.Reason.StartsWith("rate-limited", StringComparison.Ordinal)).Sum(c => c.Count);

    private static async Task<long> StoredOf(FleetStore store, string deviceId) =>
        (await store.ListHealthAsync(deviceId, 0, long.MaxValue, 100_000, None)).Count;

    private static async Task<long> Judged(FleetStore store, string deviceId) =>
        await StoredOf(store, deviceId) + (await store.ListCountersAsync(deviceId, 0, None)).Where(c => c.Reason.StartsWith("rate-limited", StringComparison.Ordinal)).Sum(c => c.Count);
}
