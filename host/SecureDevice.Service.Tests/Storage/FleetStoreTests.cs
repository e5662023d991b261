using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Storage;

/// <summary>The repository suite, run once against SQLite and once against a real PostgreSQL: same code, same answers.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetStoreTests : IDisposable
{
    private const long T0 = 1_800_000_000_000; // an hour boundary: 2027-01-15T08:00:00Z
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("store");

    public FleetStoreTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    private static RegistryEntry Entry(string id, string? customer = "acme", string status = "active") =>
        new(id, customer, "0A1B2C", new string('a', 64), T0 + 86_400_000L * 365, T0 - 1000, status, status == "revoked" ? T0 : null);

    private static HealthRow Health(DeviceRecord device, long boot, long seq, long receivedMs = T0 + 1000, long supply = 3300, long flags = 1) =>
        new(device.Ref, device.DeviceId, receivedMs, boot, seq, 60, 1, supply, 190, 110, 75, 10, 600, -60, 1, 0, 1L << 32, flags, new byte[] { 0xA0, (byte)seq });

    private static async Task<Dictionary<string, DeviceRecord>> Registry(IFleetStore store, params string[] ids)
    {
        await store.SyncRegistryAsync(ids.Select(i => Entry(i)).ToList(), T0, None);
        return (await store.ListDevicesAsync(None)).ToDictionary(d => d.DeviceId);
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task CountStatesAsync_LiveHeartbeats_OnlyThePrefixRecentEnough(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            const string Prefix = "ingest.last_up_ms:";
            await store.SetStateAsync(Prefix + "service.1", T0, None);
            await store.SetStateAsync(Prefix + "service.2", T0 - 14_999, None);
            await store.SetStateAsync(Prefix + "service.3", T0 - 15_001, None); // past the TTL
            await store.SetStateAsync("ingest.lastXup_ms:service.4", T0, None); // '_' of a LIKE pattern would take it
            await store.SetStateAsync("ingest.last_up_ms", T0, None); // the prefix without its colon
            await store.SetStateAsync("ingest.last_up_ms;x", T0, None); // the next character up: a name range's edge

            Assert.Equal(2, await store.CountStatesAsync(Prefix, T0 - 15_000, None));
            Assert.Equal(3, await store.CountStatesAsync(Prefix, T0 - 20_000, None));
            Assert.Equal(0, await store.CountStatesAsync(Prefix, T0 + 1, None));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Migrate_Again_IsANoOp_AndANewerSchemaIsRefused(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            Assert.Equal(Migrations.Latest, await store.MigrateAsync(T0, None));
            Assert.True(await store.PingAsync(None));
            await StoreFactory.ExecuteAsync(sql, $"INSERT INTO {Tables.Migrations} (version, name, applied_ms) VALUES (99, 'from the future', 0)");
            FleetException error = await Assert.ThrowsAsync<FleetException>(() => store.MigrateAsync(T0, None));
            Assert.Contains("version 99, newer than this service knows", error.Message);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task SyncRegistry_FollowsTheInventory_AddChangeRemove(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            Assert.Equal(new RegistrySyncResult(2, 0, 0, 2), await store.SyncRegistryAsync(new[] { Entry("dev-a"), Entry("dev-b", null) }, T0, None));
            Assert.Equal(new RegistrySyncResult(0, 0, 0, 2), await store.SyncRegistryAsync(new[] { Entry("dev-a"), Entry("dev-b", null) }, T0, None));
            Assert.Equal(new RegistrySyncResult(0, 1, 1, 1), await store.SyncRegistryAsync(new[] { Entry("dev-a", "acme", "revoked") }, T0 + 5, None));
            DeviceRecord a = (await store.GetDeviceAsync("dev-a", None))!;
            Assert.Equal(("revoked", T0, "acme"), (a.Status, a.RevokedMs!.Value, a.CustomerId!));
            Assert.Equal("removed", (await store.GetDeviceAsync("dev-b", None))!.Status);
            Assert.Null(await store.GetDeviceAsync("dev-c", None));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Commit_StoresEachReportOnce_AndCountsTheCopies(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            Dictionary<string, DeviceRecord> devices = await Registry(store, "dev-a", "dev-b");
            var first = new IngestBatch();
            first.Health.Add(Health(devices["dev-a"], 3, 0));
            first.Health.Add(Health(devices["dev-a"], 3, 1));
            first.Health.Add(Health(devices["dev-b"], 1, 0));
            first.Seen.Add(new DeviceSeen(devices["dev-a"].Ref, T0 + 1000, 3, 1, 1L << 32));
            Assert.Equal(new[] { true, true, true }, (await store.CommitAsync(first, None)).HealthInserted);

            var again = new IngestBatch();
            again.Health.Add(Health(devices["dev-a"], 3, 1) with { DuplicateReason = "redelivered" });
            again.Health.Add(Health(devices["dev-a"], 3, 2));
            again.Health.Add(Health(devices["dev-b"], 1, 0));
            again.Seen.Add(new DeviceSeen(devices["dev-a"].Ref, T0 + 2000, 3, 0, 7));
            Assert.Equal(new[] { false, true, false }, (await store.CommitAsync(again, None)).HealthInserted);

            Assert.Equal(4, await store.CountHealthAsync(None));
            IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(null, 0, None);
            Assert.Equal(new[] { ("dev-a", "redelivered", 1L), ("dev-b", "duplicate", 1L) }, counters.Select(c => (c.DeviceId, c.Reason, c.Count)).ToArray());
            DeviceRecord a = (await store.GetDeviceAsync("dev-a", None))!;
            // (boot, seq) and version only move forward: the second batch's older (3, 0) did not replace (3, 1).
            Assert.Equal((3L, 1L, 1L << 32, T0 + 1000, T0 + 2000), (a.LastBoot!.Value, a.LastSeq!.Value, a.VersionCode!.Value, a.FirstSeenMs!.Value, a.LastSeenMs!.Value));
            IReadOnlyList<HealthRecord> rows = await store.ListHealthAsync("dev-a", 0, long.MaxValue, 10, None);
            Assert.Equal(new long[] { 0, 1, 2 }, rows.Select(r => r.Seq).ToArray());
            Assert.Equal(new byte[] { 0xA0, 1 }, rows[1].Payload);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Commit_SeenWithoutAReport_MovesOnlyTheTimes_AnUnknownRefChangesNothing(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            Dictionary<string, DeviceRecord> devices = await Registry(store, "dev-a", "dev-b");
            var first = new IngestBatch();
            first.Seen.Add(new DeviceSeen(devices["dev-a"].Ref, T0 + 1000, 5, 9, 7));
            first.Seen.Add(new DeviceSeen(devices["dev-b"].Ref, T0 + 500, null, null, null));
            await store.CommitAsync(first, None);

            // dev-a seen again through an event only (no boot, seq or version), later; an earlier time never moves last seen back.
            var second = new IngestBatch();
            second.Seen.Add(new DeviceSeen(devices["dev-a"].Ref, T0 + 3000, null, null, null));
            second.Seen.Add(new DeviceSeen(devices["dev-b"].Ref, T0 + 100, 2, 4, 8));
            second.Seen.Add(new DeviceSeen(devices.Values.Max(d => d.Ref) + 100, T0 + 3000, 1, 1, 1));
            await store.CommitAsync(second, None);

            DeviceRecord a = (await store.GetDeviceAsync("dev-a", None))!;
            Assert.Equal((5L, 9L, 7L, T0 + 1000, T0 + 3000), (a.LastBoot!.Value, a.LastSeq!.Value, a.VersionCode!.Value, a.FirstSeenMs!.Value, a.LastSeenMs!.Value));
            DeviceRecord b = (await store.GetDeviceAsync("dev-b", None))!;
            Assert.Equal((2L, 4L, 8L, T0 + 500, T0 + 500), (b.LastBoot!.Value, b.LastSeq!.Value, b.VersionCode!.Value, b.FirstSeenMs!.Value, b.LastSeenMs!.Value));
            Assert.Equal(2, (await store.ListDevicesAsync(None)).Count);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Commit_EventsWithAnIdentityOnce_OthersEachTime_PresenceOnChange(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            DeviceRecord a = (await Registry(store, "dev-a"))["dev-a"];
            for (int round = 0; round < 2; round++)
            {
                var batch = new IngestBatch();
                batch.Events.Add(new EventRow(a.Ref, a.DeviceId, T0 + round, "update", "update:7:3", 7, 3, "{\"state\":\"idle\"}"));
                batch.Events.Add(new EventRow(a.Ref, a.DeviceId, T0 + round, "invalid-reading", null, null, null, "{\"e\":\"invalid-reading\"}"));
                batch.Presence.Add(new PresenceRow(a.Ref, a.DeviceId, "online", T0 + round));
                BatchResult result = await store.CommitAsync(batch, None);
                Assert.Equal(round == 0 ? new[] { true, true } : new[] { false, true }, result.EventsInserted);
                Assert.Equal(new[] { round == 0 }, result.PresenceChanged);
            }

            IReadOnlyList<EventRecord> events = await store.ListEventsAsync("dev-a", 0, 100, None);
            Assert.Equal(new[] { "update", "invalid-reading", "presence", "invalid-reading" }, events.Select(e => e.Kind).ToArray());
            Assert.Equal("online", (await store.GetDeviceAsync("dev-a", None))!.Presence);
            Assert.Equal(1, (await store.ListCountersAsync("dev-a", 0, None)).Single(c => c.Reason == "duplicate").Count);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task RollUpAndPrune_KeepRawRowsUntilTheirHourIsRolledUp(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            DeviceRecord a = (await Registry(store, "dev-a"))["dev-a"];
            var batch = new IngestBatch();
            batch.Health.Add(Health(a, 1, 0, T0 + 10, 3200));
            batch.Health.Add(Health(a, 2, 0, T0 + 20, 3400) with { BootReason = 5 });
            batch.Health.Add(Health(a, 2, 1, T0 + 3_600_000, 3300));
            await store.CommitAsync(batch, None);
            Assert.Equal(1, await store.RollUpHourAsync(T0, None));
            Assert.Equal(1, await store.RollUpHourAsync(T0, None));
            HourlyRecord hour = (await store.ListHourlyAsync("dev-a", T0, T0 + 3_600_000, None)).Single();
            Assert.Equal((2L, 2L, 1L, 3200L, 3400L, 3300.0, 150L, 20L, 4L), (hour.Reports, hour.Boots, hour.UncleanBoots, hour.SupplyMin!.Value, hour.SupplyMax!.Value, hour.SupplyAvg!.Value, hour.BytesUp, hour.BytesDown, hour.PayloadBytes));

            var policy = new RetentionPolicy(1, 1, 30, 1, 30);
            long later = T0 + (3 * 86_400_000L);
            IReadOnlyDictionary<string, long> kept = await store.PruneAsync(policy, later, rolledUpToMs: T0, None);
            Assert.Equal(0, kept[Tables.HealthReports]);
            IReadOnlyDictionary<string, long> pruned = await store.PruneAsync(policy, later, rolledUpToMs: T0 + 3_600_000, None);
            Assert.Equal(2, pruned[Tables.HealthReports]);
            Assert.Equal(1, await store.CountHealthAsync(None));
            Assert.Single(await store.ListHourlyAsync("dev-a", 0, long.MaxValue, None));
            Assert.Equal(T0 + 3_600_000, await store.OldestHealthMsAsync(None));
        }
    }

    /// <summary>
    /// Roll-ups live by <c>--hourly-days</c>, raw reports by <c>--raw-days</c>, each bound on its own: an hour older than
    /// the hourly bound is deleted, the younger ones stay, and raw reports within their bound stay although their hours'
    /// neighbours go. The bound is exclusive, as <see cref="FleetStore.PruneAsync"/> deletes <c>time &lt; now - days</c>:
    /// an hour (or a raw report) exactly at its bound is kept.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Prune_HourlyOlderThanItsBound_Deleted_TheHourAtTheBoundAndRawRowsWithinTheirsKept(string dialect)
    {
        const long Hour = 3_600_000, Day = 86_400_000;
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            DeviceRecord a = (await Registry(store, "dev-a"))["dev-a"];
            var policy = new RetentionPolicy(RawDays: 2, EventDays: 90, HourlyDays: 3, CounterDays: 90, DailyDays: 1830);
            long now = T0 + Hour + (3 * Day); // the hourly bound falls exactly on T0 + 1 h, the raw bound on T0 + 1 h + 1 day
            long rawBound = now - (2 * Day);
            long[] received = { T0 + 10, T0 + Hour + 10, T0 + (2 * Hour) + 10, rawBound - 1, rawBound, now - Day };
            var batch = new IngestBatch();
            for (int i = 0; i < received.Length; i++)
            {
                batch.Health.Add(Health(a, 1, i, received[i]));
            }

            await store.CommitAsync(batch, None);
            foreach (long at in received)
            {
                await store.RollUpHourAsync(at - (at % Hour), None);
            }

            IReadOnlyDictionary<string, long> deleted = await store.PruneAsync(policy, now, rolledUpToMs: now, None);

            // T0's hour is the only one before the hourly bound; T0 + 1 h is at it.
            Assert.Equal(1, deleted[Tables.HealthHourly]);
            long[] hours = (await store.ListHourlyAsync("dev-a", 0, long.MaxValue, None)).Select(h => h.HourMs).ToArray();
            Assert.Equal(new[] { T0 + Hour, T0 + (2 * Hour), T0 + Day, T0 + Hour + Day, T0 + Hour + (2 * Day) }, hours);
            // Raw: the three early ones and the one a millisecond before its bound go; the one at the bound and the younger stay.
            Assert.Equal(4, deleted[Tables.HealthReports]);
            long[] raw = (await store.ListHealthAsync("dev-a", 0, long.MaxValue, 10, None)).Select(r => r.ReceivedMs).Order().ToArray();
            Assert.Equal(new[] { rawBound, now - Day }, raw);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Counters_AndDailySummary_Add_PeaksKeepTheMaximum(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            for (int i = 0; i < 2; i++)
            {
                var batch = new IngestBatch();
                batch.Counters.Add(new CounterDelta("ghost", "unknown-device", T0, 2, 100, T0 + i, i == 0 ? "first" : null));
                await store.CommitAsync(batch, None);
                await store.AddDailyAsync(new DailySummary(T0, "service", 10, 1000, 8, 1, 1, 50, i == 0 ? 900 : 500, 4096 + i, 8 * (i + 1), T0 + i), None);
            }

            CounterRecord counter = (await store.ListCountersAsync("ghost", 0, None)).Single();
            Assert.Equal((4L, 200L, T0 + 1, "first"), (counter.Count, counter.Bytes, counter.LastMs, counter.LastDetail));
            DailySummary day = (await store.ListDailyAsync(0, None)).Single();
            Assert.Equal((20L, 2000L, 16L, 100L, 900L, 4097L, 16L), (day.Messages, day.BytesIn, day.Reports, day.CpuMs, day.PeakRssBytes, day.DatabaseBytes, day.RawRows));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ListCounterTotals_OneDevicesReasonsSummedFromTheHour_NewestDetail_AtMostTheLimit(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            const long H = 3_600_000;
            var batch = new IngestBatch();
            batch.Counters.Add(new CounterDelta("dev-a", "outside-acl", T0 - H, 3, 300, T0 - H + 5, "older"));
            batch.Counters.Add(new CounterDelta("dev-a", "outside-acl", T0, 4, 40, T0 + 7, "newest"));
            batch.Counters.Add(new CounterDelta("dev-a", "outside-acl", T0 + H, 1, 1, T0 + H + 9, null)); // newest, but no detail: the newest detail is kept
            batch.Counters.Add(new CounterDelta("dev-a", "duplicate", T0, 2, 64, T0 + 3, "boot 1 seq 2 stored already"));
            batch.Counters.Add(new CounterDelta("dev-a", "too-large", T0 - (2 * H), 9, 9000, T0 - (2 * H), "before the window"));
            batch.Counters.Add(new CounterDelta("dev-b", "bad-topic", T0, 5, 50, T0 + 1, "another device"));
            batch.Counters.Add(new CounterDelta("dev-b", "outside-acl", T0 + H, 1, 1, T0 + H + 50, "another device's newer detail"));
            await store.CommitAsync(batch, None);

            IReadOnlyList<CounterTotal> totals = await store.ListCounterTotalsAsync("dev-a", T0 - H, 10, None);
            Assert.Equal(new[]
            {
                new CounterTotal("duplicate", 2, 64, T0 + 3, "boot 1 seq 2 stored already"),
                new CounterTotal("outside-acl", 8, 341, T0 + H + 9, "newest"),
            }, totals);
            Assert.Equal("duplicate", (await store.ListCounterTotalsAsync("dev-a", T0 - H, 1, None)).Single().Reason);
            Assert.Empty(await store.ListCounterTotalsAsync("dev-c", 0, 10, None));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Findings_OneOpenPerDeviceAndRule_ClearedThenReopened(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            var finding = new FindingRecord(0, "dev-a", "coin-miner", "warning", false, 2.5, 1.0, "power and traffic up", T0, T0, "open");
            long id = await store.UpsertFindingAsync(finding, None);
            Assert.Equal(id, await store.UpsertFindingAsync(finding with { Severity = "critical", LastSeenMs = T0 + 5 }, None));
            Assert.True(await store.ClearFindingAsync("dev-a", "coin-miner", T0 + 6, None));
            Assert.False(await store.ClearFindingAsync("dev-a", "coin-miner", T0 + 7, None));
            Assert.NotEqual(id, await store.UpsertFindingAsync(finding with { FirstSeenMs = T0 + 8, LastSeenMs = T0 + 8 }, None));
            IReadOnlyList<FindingRecord> all = await store.ListFindingsAsync("dev-a", openOnly: false, 10, None);
            Assert.Equal(new[] { "open", "cleared" }, all.Select(f => f.State).ToArray());
            Assert.Equal(("critical", T0 + 6), (all[1].Severity, all[1].LastSeenMs));
            Assert.Single(await store.ListFindingsAsync(null, openOnly: true, 10, None));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Actions_AreAppendOnly_UpdateAndDeleteRefusedByTheDatabase(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await Registry(store, "dev-a");
            await store.RecordActionAsync(new ActionRecord(0, "dev-a", "throttle", "service", "floods", T0, "done", null), "throttled", null, null, None);
            await store.RecordActionAsync(new ActionRecord(0, "dev-a", "quarantine", "alice", "ignores throttle", T0 + 1, "failed", "broker down"), null, null, null, None);
            await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"UPDATE {Tables.Actions} SET outcome = 'done'"));
            await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"DELETE FROM {Tables.Actions}"));
            IReadOnlyList<ActionRecord> actions = await store.ListActionsAsync("dev-a", 10, None);
            Assert.Equal(new[] { ("quarantine", "failed", "broker down"), ("throttle", "done", (string?)null) }, actions.Select(a => (a.Kind, a.Outcome, a.Detail)).ToArray());
            Assert.Equal("throttled", (await store.GetDeviceAsync("dev-a", None))!.ServiceState);

            long alert = await store.AddAlertAsync(new AlertRecord(0, "acme", "dev-a", "coin-miner", "webhook", "queued", 0, null, "acme:dev-a:coin-miner", T0, T0), None);
            Assert.True(await store.UpdateAlertAsync(alert, "dead", 5, "HTTP 500", T0 + 9, None));
            AlertRecord stored = (await store.ListAlertsAsync("acme", 10, None)).Single();
            Assert.Equal(("dead", 5L, "HTTP 500", T0 + 9), (stored.State, stored.Attempts, stored.LastError, stored.UpdatedMs));
            Assert.Empty(await store.ListAlertsAsync("other", 10, None));
        }
    }

    /// <summary>
    /// An action's outcome, the device's service state and the presence cut are one write (a reader never sees the
    /// record without the state): read back after the one call, all three are there, the cut at the action's time. A
    /// state without a cut leaves presence alone; a device the devices table lacks gets the record alone (the audit
    /// keeps every attempt, as before the write was one).
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task CompleteAction_WritesTheOutcomeTheStateAndThePresenceCutTogether_AnUnknownDeviceGetsTheRecordAlone(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await Registry(store, "dev-a");
            const string Why = "quarantined: disconnected by the broker";
            long id = await store.RecordActionAsync(new ActionRecord(0, "dev-a", "quarantine", "alice", "floods", T0 + 5, "done", "role swapped"), "quarantined", Why, null, None);
            ActionRecord action = (await store.ListActionsAsync("dev-a", 10, None)).Single();
            Assert.Equal((id, "quarantine", "done", T0 + 5, "role swapped"), (action.Id, action.Kind, action.Outcome, action.AtMs, action.Detail));
            DeviceRecord device = (await store.GetDeviceAsync("dev-a", None))!;
            Assert.Equal(("quarantined", "offline", T0 + 5, Why), (device.ServiceState, device.Presence, device.PresenceMs!.Value, device.PresenceReason));
            EventRecord cut = (await store.ListEventsAsync("dev-a", 0, 100, None)).Single();
            Assert.Equal(("presence", "offline: " + Why, T0 + 5), (cut.Kind, cut.Payload, cut.ReceivedMs));

            await store.RecordActionAsync(new ActionRecord(0, "dev-a", "lift", "alice", "fixed", T0 + 6, "done", null), "normal", null, null, None);
            device = (await store.GetDeviceAsync("dev-a", None))!;
            Assert.Equal(("normal", "offline", T0 + 5, Why), (device.ServiceState, device.Presence, device.PresenceMs!.Value, device.PresenceReason));
            Assert.Single(await store.ListEventsAsync("dev-a", 0, 100, None));

            await store.RecordActionAsync(new ActionRecord(0, "dev-zz", "quarantine", "alice", "floods", T0 + 7, "done", null), "quarantined", Why, null, None);
            Assert.Equal("dev-zz", (await store.ListActionsAsync("dev-zz", 10, None)).Single().DeviceId);
            Assert.Null(await store.GetDeviceAsync("dev-zz", None));
        }
    }

    /// <summary>
    /// A pending row is completed once: a second completion (the dispatcher after a reconciler, two reconcilers) finds
    /// no pending row and writes nothing, neither the outcome nor the state nor a second cut. The database refuses
    /// every other update: a completed row changed, a pending row's intent rewritten, a row deleted.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task CompleteAction_ASecondCompletion_WritesNothingAndTheDatabaseRefusesOtherUpdates(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await Registry(store, "dev-a");
            const string Why = "quarantined: disconnected by the broker";
            long id = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "quarantine", "alice", "floods", T0, ActionRecord.Pending, null), None);
            long other = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "lift", "alice", "fixed", T0 + 1, ActionRecord.Pending, null), None);
            Assert.Equal(new[] { id }, (await store.ListPendingActionsAsync(T0 + 1, null, 10, None)).Select(a => a.Id));

            Assert.True(await store.CompleteActionAsync(new ActionCompletion(id, ActionRecord.Done, "role swapped", T0 + 5, "quarantined", Why), None));
            Assert.False(await store.CompleteActionAsync(new ActionCompletion(id, ActionRecord.Failed, "late", T0 + 9, "normal", Why), None));
            Assert.False(await store.CompleteActionAsync(new ActionCompletion(999_999, ActionRecord.Done, null, T0 + 9, "normal"), None));
            await Assert.ThrowsAsync<ArgumentException>(() => store.CompleteActionAsync(new ActionCompletion(other, ActionRecord.Pending, null, T0 + 9), None));

            ActionRecord action = (await store.ListActionsAsync("dev-a", 10, None)).Single(a => a.Id == id);
            Assert.Equal(("done", "role swapped", T0, (long?)(T0 + 5)), (action.Outcome, action.Detail, action.AtMs, action.CompletedMs));
            Assert.Equal("quarantined", (await store.GetDeviceAsync("dev-a", None))!.ServiceState);
            Assert.Single(await store.ListEventsAsync("dev-a", 0, 100, None));
            await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"UPDATE {Tables.Actions} SET outcome = 'failed', completed_ms = 1 WHERE id = {id}"));
            await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"UPDATE {Tables.Actions} SET outcome = 'pending' WHERE id = {id}"));
            await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"UPDATE {Tables.Actions} SET actor = 'mallory', outcome = 'done', completed_ms = 1 WHERE id = {other}"));
            await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"UPDATE {Tables.Actions} SET outcome = 'done' WHERE id = {other}"));
            await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"DELETE FROM {Tables.Actions} WHERE id = {other}"));
            Assert.Equal(ActionRecord.Pending, (await store.ListActionsAsync("dev-a", 10, None)).Single(a => a.Id == other).Outcome);
        }
    }

    /// <summary>
    /// A database of the previous version (11) upgrades: its action rows keep their meaning (done and failed, written
    /// complete, no completion time) and stay append-only; new rows begin pending and are completed once.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Migrate_FromVersion11_KeepsItsActionsAndTheirMeaning_NewOnesCompleteOnce(string dialect)
    {
        SqlDialect sql = StoreFactory.Dialect(dialect, _postgres, _folder);
        await StoreFactory.ExecuteAsync(sql, sql.Render($"CREATE TABLE {Tables.Migrations} (version {{int}} NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_ms {{int}} NOT NULL)"));
        foreach (Migration migration in Migrations.All.Where(m => m.Version <= 11))
        {
            foreach (string statement in migration.Statements(sql))
            {
                await StoreFactory.ExecuteAsync(sql, sql.Render(statement));
            }

            await StoreFactory.ExecuteAsync(sql, $"INSERT INTO {Tables.Migrations} (version, name, applied_ms) VALUES ({migration.Version}, 'v', 0)");
        }

        await StoreFactory.ExecuteAsync(sql, $"INSERT INTO {Tables.Actions} (device_id, kind, actor, reason, at_ms, outcome, detail) VALUES "
            + $"('dev-a', 'quarantine', 'alice', 'old', {T0}, 'done', 'role swapped'), ('dev-a', 'lift', 'alice', 'old', {T0 + 1}, 'failed', 'broker down')");
        await using var store = new FleetStore(sql);
        Assert.Equal(11, await store.SchemaVersionAsync(None));

        Assert.Equal(Migrations.Latest, await store.MigrateAsync(T0, None));

        Assert.Equal(new[] { ("lift", "failed", (string?)"broker down", (long?)null), ("quarantine", "done", "role swapped", null) },
            (await store.ListActionsAsync("dev-a", 10, None)).Select(a => (a.Kind, a.Outcome, a.Detail, a.CompletedMs)).ToArray());
        Assert.Empty(await store.ListPendingActionsAsync(T0 + 10, null, 10, None));
        await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"UPDATE {Tables.Actions} SET outcome = 'failed', completed_ms = 1 WHERE outcome = 'done'"));
        await Assert.ThrowsAnyAsync<DbException>(() => StoreFactory.ExecuteAsync(sql, $"DELETE FROM {Tables.Actions}"));
        long id = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "throttle", "service", "new", T0 + 2, ActionRecord.Pending, null), None);
        Assert.True(await store.CompleteActionAsync(new ActionCompletion(id, ActionRecord.Done, null, T0 + 3), None));
        Assert.False(await store.CompleteActionAsync(new ActionCompletion(id, ActionRecord.Failed, null, T0 + 4), None));
        Assert.Equal(3, (await store.ListActionsAsync("dev-a", 10, None)).Count);
    }

    /// <summary>
    /// The ladder's change rides on the action's record: one for another device is a caller's mistake that would move
    /// that device's ladder under this device's audit row. Refused, and nothing is written (the row stays pending).
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task CompleteAction_LadderChangeOfAnotherDevice_IsRefusedAndWritesNothing(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await Registry(store, "dev-a");
            LadderChange other = LadderChange.Save(new LadderRow("dev-b", 1, T0, null, T0, "test"));
            long id = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "throttle", "service", "floods", T0, ActionRecord.Pending, null), None);

            await Assert.ThrowsAsync<ArgumentException>(() => store.CompleteActionAsync(new ActionCompletion(id, ActionRecord.Done, null, T0, "throttled", null, other), None));

            Assert.Equal(ActionRecord.Pending, (await store.ListActionsAsync(null, 10, None)).Single().Outcome);
            Assert.Equal("normal", (await store.GetDeviceAsync("dev-a", None))!.ServiceState);
            Assert.Null(await new ServiceStateStore(sql).GetLadderAsync("dev-b", None));
        }
    }

    /// <summary>
    /// The reconciler pages through the pending rows with a cursor on (intent time, id): the rows after it in that order
    /// (one at the cursor's time with a higher id among them), only pending ones, only those before the bound.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ListPendingActions_AfterACursor_ListsTheRowsAfterItByIntentTimeThenId(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            await Registry(store, "dev-a");
            long a = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "throttle", "service", "1", T0 + 20, ActionRecord.Pending, null), None);
            long b = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "throttle", "service", "2", T0 + 10, ActionRecord.Pending, null), None);
            long c = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "lift", "service", "3", T0 + 20, ActionRecord.Pending, null), None);
            long d = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "quarantine", "service", "4", T0 + 30, ActionRecord.Pending, null), None);
            await store.BeginActionAsync(new ActionRecord(0, "dev-a", "quarantine", "service", "too new", T0 + 40, ActionRecord.Pending, null), None);
            Assert.True(await store.CompleteActionAsync(new ActionCompletion(c, ActionRecord.Failed, "completed", T0 + 50), None));
            long e = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "lift", "service", "5", T0 + 20, ActionRecord.Pending, null), None);

            Assert.Equal(new[] { b, a }, (await store.ListPendingActionsAsync(T0 + 40, null, 2, None)).Select(r => r.Id));
            Assert.Equal(new[] { e, d }, (await store.ListPendingActionsAsync(T0 + 40, new PendingCursor(T0 + 20, a), 2, None)).Select(r => r.Id));
            Assert.Equal(new[] { a, e, d }, (await store.ListPendingActionsAsync(T0 + 40, new PendingCursor(T0 + 10, b), 10, None)).Select(r => r.Id));
            Assert.Empty(await store.ListPendingActionsAsync(T0 + 40, new PendingCursor(T0 + 30, d), 10, None));
        }
    }

    /// <summary>
    /// The reconciler's read of a pending throttle: the device's own reports from the given time (after the intent) up
    /// to its next action's intent and the given end, oldest first and at most the limit; another device's reports and actions, its own
    /// earlier reports and actions (one at the same intent time but written before) do not count. Flag 16 is
    /// HealthFlags.Throttled; 1 (time synchronised) alone is not it.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReadThrottleReports_OnlyThatDevicesReportsBetweenTheIntentAndItsNextAction_Bounded(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            Dictionary<string, DeviceRecord> devices = await Registry(store, "dev-a", "dev-b");
            const long At = T0 + 10_000;
            await store.BeginActionAsync(new ActionRecord(0, "dev-a", "lift", "ops", "earlier", T0 + 1000, ActionRecord.Pending, null), None);
            await store.BeginActionAsync(new ActionRecord(0, "dev-a", "quarantine", "ops", "same time, before", At, ActionRecord.Pending, null), None);
            long id = await store.BeginActionAsync(new ActionRecord(0, "dev-a", "throttle", "service", "floods", At, ActionRecord.Pending, null), None);
            await store.BeginActionAsync(new ActionRecord(0, "dev-b", "lift", "ops", "another device", At + 1000, ActionRecord.Pending, null), None);
            ActionRecord throttle = (await store.ListActionsAsync("dev-a", 10, None)).Single(a => a.Id == id);
            var batch = new IngestBatch();
            batch.Health.Add(Health(devices["dev-a"], 1, 0, At - 5000, flags: 17)); // before the intent
            batch.Health.Add(Health(devices["dev-a"], 1, 1, At + 10_000));
            batch.Health.Add(Health(devices["dev-a"], 1, 2, At + 20_000));
            batch.Health.Add(Health(devices["dev-a"], 1, 3, At + 30_000, flags: 17));
            batch.Health.Add(Health(devices["dev-a"], 1, 4, At + 40_000, flags: 16));
            batch.Health.Add(Health(devices["dev-b"], 1, 0, At + 5000, flags: 17)); // another device
            await store.CommitAsync(batch, None);

            Assert.Equal(new ThrottleReports(At + 30_000, 2, At + 20_000, null), await store.ReadThrottleReportsAsync(throttle, At + 1, long.MaxValue, 50, None));
            Assert.Equal(new ThrottleReports(null, 2, At + 20_000, null), await store.ReadThrottleReportsAsync(throttle, At + 1, long.MaxValue, 2, None)); // the limit
            Assert.Equal(new ThrottleReports(At + 40_000, 0, null, null), await store.ReadThrottleReportsAsync(throttle, At + 40_000, long.MaxValue, 50, None)); // from, inclusive
            Assert.Equal(new ThrottleReports(null, 1, At + 10_000, null), await store.ReadThrottleReportsAsync(throttle, At + 1, At + 20_000, 50, None)); // to, exclusive (the longest throttle's end)

            await store.BeginActionAsync(new ActionRecord(0, "dev-a", "lift", "ops", "next", At + 30_000, ActionRecord.Pending, null), None);
            Assert.Equal(new ThrottleReports(null, 2, At + 20_000, At + 30_000), await store.ReadThrottleReportsAsync(throttle, At + 1, long.MaxValue, 50, None));
            Assert.Equal(new ThrottleReports(null, 0, null, null), await store.ReadThrottleReportsAsync(throttle with { DeviceId = "dev-a' OR '1'='1" }, At + 1, long.MaxValue, 50, None));
        }
    }

    /// <summary>
    /// The throttle read's plan, with statistics (PostgreSQL's autovacuum analyzes in production): it must start from the
    /// device's prefix of the unique key and never touch ix_health_received, whose window grows with the fleet. A range
    /// on the bare column let PostgreSQL AND the device's prefix with a bitmap of the fleet's whole window, and SQLite
    /// walk that index (docs/response.md).
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReadThrottleReports_Plan_DevicePrefixNeverTheFleetsTimeIndex(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            string[] ids = Enumerable.Range(0, 40).Select(i => "dev-" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Dictionary<string, DeviceRecord> devices = await Registry(store, ids);
            for (int seq = 0; seq < 400; seq++)
            {
                var batch = new IngestBatch();
                foreach (string id in ids)
                {
                    batch.Health.Add(Health(devices[id], 1, seq, T0 + seq * 300_000L));
                }

                await store.CommitAsync(batch, None);
            }

            await StoreFactory.ExecuteAsync(sql, "ANALYZE");
            await using DbConnection connection = await sql.OpenAsync(None);
            using DbCommand command = connection.CreateCommand();
            command.CommandText = (dialect == "sqlite" ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + FleetStore.ThrottleReportsSql;
            SqlDialect.Parameter(command, "@d", "dev-07");
            SqlDialect.Parameter(command, "@from", T0 + 388 * 300_000L);
            SqlDialect.Parameter(command, "@to", T0 + 400 * 300_000L);
            SqlDialect.Parameter(command, "@limit", 50L);
            var plan = new List<string>();
            await using (DbDataReader reader = await command.ExecuteReaderAsync(None))
            {
                while (await reader.ReadAsync(None))
                {
                    plan.Add(reader.GetValue(reader.FieldCount - 1).ToString()!);
                }
            }

            string text = string.Join(" | ", plan);
            Assert.Contains("ORDER BY h.received_ms + 0", FleetStore.ThrottleReportsSql); // the walk in order needs more data than this to show
            Assert.DoesNotContain("ix_health_received", text);
            Assert.Matches(dialect == "sqlite" ? "autoindex_health_reports|device_ref" : "device_ref_boot_seq", text);
            Assert.Equal(new ThrottleReports(null, 12, T0 + 399 * 300_000L, null),
                await store.ReadThrottleReportsAsync(new ActionRecord(1, "dev-07", "throttle", "service", "plan", T0, ActionRecord.Pending, null), T0 + 388 * 300_000L, T0 + 400 * 300_000L, 50, None));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Queries_TreatInjectionPayloadsAsValues(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            DeviceRecord a = (await Registry(store, "dev-a"))["dev-a"];
            var batch = new IngestBatch();
            batch.Health.Add(Health(a, 1, 0));
            batch.Counters.Add(new CounterDelta("(invalid)", "bad-topic", T0, 1, 10, T0, "topic devices/x'); DROP TABLE devices; --/up/health"));
            await store.CommitAsync(batch, None);
            string[] payloads = { "dev-a' OR '1'='1", "dev-a\"; DROP TABLE health_reports; --", "%", "dev-a' --", "' UNION SELECT device_id FROM devices --" };
            foreach (string payload in payloads)
            {
                Assert.Null(await store.GetDeviceAsync(payload, None));
                Assert.Empty(await store.ListHealthAsync(payload, 0, long.MaxValue, 10, None));
                Assert.Empty(await store.ListCountersAsync(payload, 0, None));
                Assert.Empty(await store.ListEventsAsync(payload, 0, 10, None));
                Assert.Empty(await store.ListActionsAsync(payload, 10, None));
                Assert.Empty(await store.ListAlertsAsync(payload, 10, None));
                Assert.Empty(await store.ListFindingsAsync(payload, false, 10, None));
            }

            await store.UpsertFindingAsync(new FindingRecord(0, "dev-a", "x", "info", true, null, null, "'); DELETE FROM findings; --", T0, T0, "open"), None);
            Assert.Equal("'); DELETE FROM findings; --", (await store.ListFindingsAsync("dev-a", true, 1, None)).Single().Evidence);
            Assert.Single(await store.ListHealthAsync("dev-a", 0, long.MaxValue, 10, None));
            Assert.Equal("topic devices/x'); DROP TABLE devices; --/up/health", (await store.ListCountersAsync("(invalid)", 0, None)).Single().LastDetail);
        }
    }
}
