using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Hosting;

/// <summary>
/// Where a restart's outage credit starts (docs/service.md, "After an outage"), read from a real database of either
/// dialect: the saved last-up time, else the database's fallback (the newest commit, or this instance's own daily flush
/// if earlier), else nothing. The credit checked is what the broker session would grant with these times
/// (<see cref="FairLimiter.OutageToCredit"/>, session present).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetServiceResumeTests : IDisposable
{
    private const long T0 = 1_800_000_000_000; // an hour boundary
    private const long Now = T0 + 2 * 3_600_000;
    private const long Expiry = 86_400_000;
    private const string Instance = "service";
    private static readonly CancellationToken None = CancellationToken.None;
    private static long _seq; // report sequence numbers, unique across a test's batches
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("resume");

    public FleetServiceResumeTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ResumePoint_ReportsButNoSavedTime_CreditsFromTheNewestCommit(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await CommitAsync(store, reports: new[] { T0 + 1000, T0 + 3000, T0 + 2000 });
            var log = new ListLogger();

            ResumePoint point = await FleetService.ResumePointAsync(store, Instance, Instance, log, None);

            Assert.Equal(new ResumePoint(T0 + 3000, ResumeSource.DatabaseFallback), point);
            Assert.Equal(Now - (T0 + 3000), FairLimiter.OutageToCredit(true, point.LastUpMs, Now, Expiry));
            Assert.Contains(log.Lines, l => l.StartsWith("Warning: no saved last-up time for service", StringComparison.Ordinal) && l.Contains("database fallback", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ResumePoint_NewestIsAnEventOrACounter_CreditsFromIt(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            // Counters of two hours, several rows in the newest: its newest last time counts, not its hour.
            await CommitAsync(store, reports: new[] { T0 + 1000 }, events: new[] { T0 + 4000 },
                counters: new[] { (T0, T0 + 9000), (T0 + 3_600_000, T0 + 3_600_000 + 7000), (T0 + 3_600_000, T0 + 3_600_000 + 5000) });
            ResumePoint point = await FleetService.ResumePointAsync(store, Instance, Instance, new ListLogger(), None);
            Assert.Equal(new ResumePoint(T0 + 3_600_000 + 7000, ResumeSource.DatabaseFallback), point);

            await CommitAsync(store, events: new[] { T0 + 3_600_000 + 8000 });
            point = await FleetService.ResumePointAsync(store, Instance, Instance, new ListLogger(), None);
            Assert.Equal(T0 + 3_600_000 + 8000, point.LastUpMs);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ResumePoint_AnotherInstanceCommittedLater_CreditsFromThisInstancesOwnFlush(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            // service.2 kept consuming (and flushing) until now; this instance last flushed at T0 + 600 s, yesterday too.
            await CommitAsync(store, reports: new[] { T0 + 1000, Now - 2000 });
            await store.AddDailyAsync(Daily(T0 - 86_400_000, Instance, T0 - 60_000), None);
            await store.AddDailyAsync(Daily(T0, Instance, T0 + 600_000), None);
            await store.AddDailyAsync(Daily(T0, "service.2", Now - 1000), None);

            ResumePoint point = await FleetService.ResumePointAsync(store, Instance, Instance, new ListLogger(), None);
            Assert.Equal(new ResumePoint(T0 + 600_000, ResumeSource.DatabaseFallback), point);

            // service.2's own restart: its flush is newer than the newest commit, which bounds it.
            ResumePoint other = await FleetService.ResumePointAsync(store, "service.2", "service.2", new ListLogger(), None);
            Assert.Equal(new ResumePoint(Now - 2000, ResumeSource.DatabaseFallback), other);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ResumePoint_EmptyDatabase_NoCredit(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await store.AddDailyAsync(Daily(T0, Instance, T0 + 600_000), None); // it ran, but nothing was ever stored
            var log = new ListLogger();

            ResumePoint point = await FleetService.ResumePointAsync(store, Instance, Instance, log, None);

            Assert.Equal(new ResumePoint(null, ResumeSource.None), point);
            Assert.Equal(0, FairLimiter.OutageToCredit(true, point.LastUpMs, Now, Expiry));
            Assert.Contains("Information: no saved last-up time for service and nothing stored: no outage credit after this start", log.Lines);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ResumePoint_SavedTime_WinsOverTheDatabase(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await CommitAsync(store, reports: new[] { T0 + 1000 });
            await store.SetStateAsync(FleetService.IngestUpState(Instance), T0 + 50_000, None);
            await store.SetStateAsync(FleetService.IngestUpState("service.2"), T0 + 90_000, None);
            var log = new ListLogger();

            ResumePoint point = await FleetService.ResumePointAsync(store, Instance, Instance, log, None);

            Assert.Equal(new ResumePoint(T0 + 50_000, ResumeSource.SavedTime), point);
            Assert.Equal(Now - (T0 + 50_000), FairLimiter.OutageToCredit(true, point.LastUpMs, Now, Expiry));
            Assert.Contains(log.Lines, l => l.StartsWith("Information: ingest of service was last up at 2027-01-15T08:00:50.000Z (saved time)", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ResumePoint_ClockWentBackwards_NoCredit(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await CommitAsync(store, reports: new[] { Now + 60_000 }); // committed "in the future" of the clock now
            ResumePoint point = await FleetService.ResumePointAsync(store, Instance, Instance, new ListLogger(), None);
            Assert.Equal(ResumeSource.DatabaseFallback, point.Source);
            Assert.Equal(0, FairLimiter.OutageToCredit(true, point.LastUpMs, Now, Expiry));
        }
    }

    private static DailySummary Daily(long dayMs, string instance, long updatedMs) => new(dayMs, instance, 1, 1, 1, 0, 0, 1, 1, 1, 1, updatedMs);

    private static async Task CommitAsync(IFleetStore store, long[]? reports = null, long[]? events = null, (long Hour, long Last)[]? counters = null)
    {
        await store.SyncRegistryAsync(new[] { new RegistryEntry("dev-a", "acme", "0A1B2C", new string('a', 64), T0 + 86_400_000L * 365, T0 - 1000, "active", null) }, T0, None);
        DeviceRecord device = (await store.ListDevicesAsync(None)).Single();
        var batch = new IngestBatch();
        long seq = Interlocked.Increment(ref _seq) * 100;
        foreach (long at in reports ?? Array.Empty<long>())
        {
            batch.Health.Add(new HealthRow(device.Ref, device.DeviceId, at, 1, seq++, 60, 1, 3300, 190, 110, 75, 10, 600, -60, 1, 0, 1L << 32, 1, new byte[] { 0xA0 }));
        }

        foreach (long at in events ?? Array.Empty<long>())
        {
            batch.Events.Add(new EventRow(device.Ref, device.DeviceId, at, "invalid-reading", null, null, null, "{\"e\":\"invalid-reading\"}"));
        }

        int ghost = 0;
        foreach ((long hour, long last) in counters ?? Array.Empty<(long, long)>())
        {
            batch.Counters.Add(new CounterDelta("ghost-" + ghost++, "unknown-device", hour, 1, 10, last, null));
        }

        await store.CommitAsync(batch, None);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(logLevel + ": " + formatter(state, exception));
    }
}
