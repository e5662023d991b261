using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet;

namespace SecureDevice.Service.Storage;

/// <summary>
/// The service's data access over ADO.NET: every query is one parameterised text shared by SQLite and PostgreSQL
/// (table names from <see cref="Tables"/>), except what <see cref="SqlDialect"/> says differs. Each call opens a pooled
/// connection and commits before it returns.
/// </summary>
public sealed class FleetStore : IFleetStore
{
    /// <summary>Rows deleted per statement when pruning, so a large deletion never holds the write lock for long.</summary>
    public const int PruneChunk = 5000;

    /// <summary>Roll-up rows written per transaction.</summary>
    public const int RollUpChunk = 1000;

    private const string Newer = "@boot IS NOT NULL AND (last_boot IS NULL OR @boot > last_boot OR (@boot = last_boot AND @seq > last_seq))";

    /// <summary>One device's seen time, newest (boot, seq) and version, moved forward only (SQLite runs it per device).</summary>
    internal static readonly string UpdateSeenSql = $"UPDATE {Tables.Devices} SET first_seen_ms = COALESCE(first_seen_ms, @at), "
        + "last_seen_ms = CASE WHEN last_seen_ms IS NULL OR last_seen_ms < @at THEN @at ELSE last_seen_ms END, "
        + $"version_code = CASE WHEN {Newer} THEN @version ELSE version_code END, "
        + $"last_seq = CASE WHEN {Newer} THEN @seq ELSE last_seq END, "
        + $"last_boot = CASE WHEN {Newer} THEN @boot ELSE last_boot END WHERE id = @id";

    private const string DeviceColumns = "id, device_id, customer_id, serial, sha256, not_after_ms, provisioned_ms, status, revoked_ms, service_state, "
        + "first_seen_ms, last_seen_ms, last_boot, last_seq, version_code, presence, presence_ms, product, presence_reason";

    private const string HealthColumns = "received_ms, boot, seq, uptime_s, boot_reason, supply_mv, heap_free_kib, managed_free_kib, bytes_up, bytes_down, "
        + "wire_bytes, rssi_dbm, attempts, rejected, version_code, flags, payload";

    private static readonly (string Table, string Key, string Time, Func<RetentionPolicy, int> Days)[] Retention =
    {
        (Tables.HealthReports, "id", "received_ms", p => p.RawDays),
        (Tables.Events, "id", "received_ms", p => p.EventDays),
        (Tables.HealthHourly, "device_ref, hour_ms", "hour_ms", p => p.HourlyDays),
        (Tables.Counters, "device_id, reason, hour_ms", "hour_ms", p => p.CounterDays),
        (Tables.RefusalReports, "name, start_ms", "received_ms", p => p.CounterDays),
        (Tables.ServiceDaily, "day_ms, instance", "day_ms", p => p.DailyDays),
    };

    private readonly SqlDialect _dialect;

    public FleetStore(SqlDialect dialect) => _dialect = dialect;

    public string Dialect => _dialect.Name;

    public string Description => _dialect.Description;

    public bool IsTransient(Exception error) => _dialect.IsTransient(error);

    public async Task<int> MigrateAsync(long nowMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await _dialect.LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, _dialect.Render($"CREATE TABLE IF NOT EXISTS {Tables.Migrations} (version {{int}} NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_ms {{int}} NOT NULL)"), cancellationToken).ConfigureAwait(false);
        int current;
        using (DbCommand command = Command(connection, transaction, $"SELECT COALESCE(MAX(version), 0) FROM {Tables.Migrations}"))
        {
            current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        if (current > Migrations.Latest)
        {
            throw new FleetException(FleetError.CorruptState, "the database's schema is version " + current + ", newer than this service knows (" + Migrations.Latest + "): run a newer service");
        }

        foreach (Migration migration in Migrations.All.Where(m => m.Version > current))
        {
            foreach (string statement in migration.Statements(_dialect))
            {
                await ExecuteAsync(connection, transaction, _dialect.Render(statement), cancellationToken).ConfigureAwait(false);
            }

            using DbCommand record = Command(connection, transaction, $"INSERT INTO {Tables.Migrations} (version, name, applied_ms) VALUES (@v, @n, @t)");
            Set(record, "@v", (long)migration.Version);
            Set(record, "@n", migration.Name);
            Set(record, "@t", nowMs);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return Migrations.Latest;
    }

    /// <summary>
    /// The schema version the database is at, changing nothing (a process that is not the service must not migrate
    /// it): 0 when it holds no migrations table, so it is not a service database (yet).
    /// </summary>
    public async Task<int> SchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT COALESCE(MAX(version), 0) FROM {Tables.Migrations}");
        try
        {
            return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }
        catch (DbException)
        {
            // The connection is open, so the statement failed on the schema: no migrations table.
            return 0;
        }
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            using DbCommand command = Command(connection, null, $"SELECT COUNT(*) FROM {Tables.Migrations}");
            return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0;
        }
        catch (Exception error) when (error is DbException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    // ---- registry and ingest ----

    public async Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT {DeviceColumns} FROM {Tables.Devices} ORDER BY id");
        return await ReadAllAsync(command, ReadDevice, cancellationToken).ConfigureAwait(false);
    }

    public async Task<RegistrySyncResult> SyncRegistryAsync(IReadOnlyList<RegistryEntry> entries, long nowMs, CancellationToken cancellationToken)
    {
        var existing = (await ListDevicesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        int added = 0, changed = 0, removed = 0;
        using DbCommand insert = Command(connection, transaction, $"INSERT INTO {Tables.Devices} (device_id, customer_id, serial, sha256, not_after_ms, provisioned_ms, status, revoked_ms, registry_ms, product) "
            + "VALUES (@d, @c, @s, @h, @n, @p, @st, @rv, @now, @pr)");
        using DbCommand update = Command(connection, transaction, $"UPDATE {Tables.Devices} SET customer_id = @c, serial = @s, sha256 = @h, not_after_ms = @n, provisioned_ms = @p, "
            + "status = @st, revoked_ms = @rv, registry_ms = @now, product = @pr WHERE device_id = @d");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (RegistryEntry entry in entries)
        {
            seen.Add(entry.DeviceId);
            DbCommand? command = null;
            if (!existing.TryGetValue(entry.DeviceId, out DeviceRecord? device))
            {
                command = insert;
                added++;
            }
            else if (device.CustomerId != entry.CustomerId || device.Serial != entry.Serial || device.Sha256 != entry.Sha256 || device.NotAfterMs != entry.NotAfterMs
                || device.ProvisionedMs != entry.ProvisionedMs || device.Status != entry.Status || device.RevokedMs != entry.RevokedMs || device.Product != entry.Product)
            {
                command = update;
                changed++;
            }

            if (command != null)
            {
                Set(command, "@d", entry.DeviceId);
                Set(command, "@c", entry.CustomerId);
                Set(command, "@s", entry.Serial);
                Set(command, "@h", entry.Sha256);
                Set(command, "@n", entry.NotAfterMs);
                Set(command, "@p", entry.ProvisionedMs);
                Set(command, "@st", entry.Status);
                Set(command, "@rv", entry.RevokedMs);
                Set(command, "@now", nowMs);
                Set(command, "@pr", entry.Product);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        using DbCommand remove = Command(connection, transaction, $"UPDATE {Tables.Devices} SET status = 'removed', registry_ms = @now WHERE device_id = @d");
        DbParameter removeId = SqlDialect.Parameter(remove, "@d", string.Empty);
        SqlDialect.Parameter(remove, "@now", nowMs);
        foreach (DeviceRecord device in existing.Values.Where(d => d.Status != "removed" && !seen.Contains(d.DeviceId)))
        {
            removeId.Value = device.DeviceId;
            await remove.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            removed++;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RegistrySyncResult(added, changed, removed, entries.Count);
    }

    public async Task<BatchResult> CommitAsync(IngestBatch batch, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var counters = new List<CounterDelta>(batch.Counters);
        bool[] health = await _dialect.InsertHealthAsync(connection, transaction, batch.Health, cancellationToken).ConfigureAwait(false);
        for (int i = 0; i < health.Length; i++)
        {
            if (!health[i])
            {
                HealthRow row = batch.Health[i];
                counters.Add(new CounterDelta(row.DeviceId, row.DuplicateReason, Hour(row.ReceivedMs), 1, row.Payload.Length, row.ReceivedMs, "boot " + row.Boot + " seq " + row.Seq));
            }
        }

        bool[] events = new bool[batch.Events.Count];
        if (batch.Events.Count > 0)
        {
            using DbCommand insert = Command(connection, transaction, $"INSERT INTO {Tables.Events} (device_ref, received_ms, kind, event_key, boot, seq, payload) "
                + "VALUES (@d, @r, @k, @key, @b, @s, @p) ON CONFLICT (device_ref, event_key) DO NOTHING");
            for (int i = 0; i < batch.Events.Count; i++)
            {
                EventRow row = batch.Events[i];
                Set(insert, "@d", row.DeviceRef);
                Set(insert, "@r", row.ReceivedMs);
                Set(insert, "@k", row.Kind);
                Set(insert, "@key", row.EventKey);
                Set(insert, "@b", row.Boot);
                Set(insert, "@s", row.Seq);
                Set(insert, "@p", row.Payload);
                events[i] = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                if (!events[i])
                {
                    counters.Add(new CounterDelta(row.DeviceId, row.DuplicateReason, Hour(row.ReceivedMs), 1, row.Payload.Length, row.ReceivedMs, row.Kind + " " + row.EventKey));
                }
            }
        }

        bool[] presence = new bool[batch.Presence.Count];
        if (batch.Presence.Count > 0)
        {
            // The device's own word replaces a presence the service cut (its reason goes), but never a newer one: a
            // message received before the cut and committed after it changes nothing.
            using DbCommand update = Command(connection, transaction, $"UPDATE {Tables.Devices} SET presence = @p, presence_ms = @at, presence_reason = NULL WHERE id = @id AND presence <> @p "
                + "AND (presence_ms IS NULL OR presence_ms <= @at)");
            using DbCommand record = Command(connection, transaction, $"INSERT INTO {Tables.Events} (device_ref, received_ms, kind, payload) VALUES (@d, @r, 'presence', @p)");
            for (int i = 0; i < batch.Presence.Count; i++)
            {
                PresenceRow row = batch.Presence[i];
                Set(update, "@p", row.Presence);
                Set(update, "@at", row.AtMs);
                Set(update, "@id", row.DeviceRef);
                presence[i] = await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                if (presence[i])
                {
                    Set(record, "@d", row.DeviceRef);
                    Set(record, "@r", row.AtMs);
                    Set(record, "@p", row.Presence);
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        bool[] refusals = new bool[batch.Refusals.Count];
        if (batch.Refusals.Count > 0)
        {
            using DbCommand insert = Command(connection, transaction, $"INSERT INTO {Tables.RefusalReports} (name, start_ms, received_ms) VALUES (@n, @s, @r) "
                + "ON CONFLICT (name, start_ms) DO NOTHING");
            for (int i = 0; i < batch.Refusals.Count; i++)
            {
                RefusalRow row = batch.Refusals[i];
                Set(insert, "@n", row.Name);
                Set(insert, "@s", row.StartMs);
                Set(insert, "@r", row.ReceivedMs);
                refusals[i] = await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                if ((refusals[i] ? row.Counted : row.Redelivered) is CounterDelta delta)
                {
                    counters.Add(delta);
                }
            }
        }

        await AddCountersAsync(connection, transaction, counters, cancellationToken).ConfigureAwait(false);
        var seen = batch.Seen.OrderBy(s => s.DeviceRef).ToList();
        await _dialect.UpdateSeenAsync(connection, transaction, seen, cancellationToken).ConfigureAwait(false);
        var result = new BatchResult(health, events, presence) { RefusalsInserted = refusals };
        if (batch.Feed != null)
        {
            // Last before the commit: the feed's head row lock is held from here to the commit (DetectionFeedStore.AppendAsync).
            if (batch.Feed(result) is var (body, committedMs))
            {
                await DetectionFeedStore.AppendAsync(connection, transaction, batch.FeedInstance, committedMs, body, cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static async Task AddCountersAsync(DbConnection connection, DbTransaction transaction, List<CounterDelta> deltas, CancellationToken cancellationToken)
    {
        if (deltas.Count == 0)
        {
            return;
        }

        // One row per device, reason and hour, in key order (the same lock order in every instance).
        var merged = deltas.GroupBy(d => (d.DeviceId, d.Reason, d.HourMs))
            .Select(g => new CounterDelta(g.Key.DeviceId, g.Key.Reason, g.Key.HourMs, g.Sum(d => d.Count), g.Sum(d => d.Bytes), g.Max(d => d.LastMs), g.Last().Detail))
            .OrderBy(d => d.DeviceId, StringComparer.Ordinal).ThenBy(d => d.Reason, StringComparer.Ordinal).ThenBy(d => d.HourMs);
        using DbCommand upsert = Command(connection, transaction, $"INSERT INTO {Tables.Counters} (device_id, reason, hour_ms, count, bytes, last_ms, last_detail) "
            + "VALUES (@d, @r, @h, @c, @b, @l, @det) ON CONFLICT (device_id, reason, hour_ms) DO UPDATE SET "
            + $"count = {Tables.Counters}.count + excluded.count, bytes = {Tables.Counters}.bytes + excluded.bytes, "
            + $"last_ms = CASE WHEN excluded.last_ms > {Tables.Counters}.last_ms THEN excluded.last_ms ELSE {Tables.Counters}.last_ms END, "
            + $"last_detail = COALESCE(excluded.last_detail, {Tables.Counters}.last_detail)");
        foreach (CounterDelta delta in merged)
        {
            Set(upsert, "@d", delta.DeviceId);
            Set(upsert, "@r", delta.Reason);
            Set(upsert, "@h", delta.HourMs);
            Set(upsert, "@c", delta.Count);
            Set(upsert, "@b", delta.Bytes);
            Set(upsert, "@l", delta.LastMs);
            Set(upsert, "@det", delta.Detail);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    // ---- maintenance ----

    public async Task<int> RollUpHourAsync(long hourMs, CancellationToken cancellationToken)
    {
        // Read on one connection (a snapshot: in SQLite's WAL mode it never blocks the ingest writer), write in chunks.
        var rows = new List<object[]>();
        await using (DbConnection reader = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false))
        {
            using DbCommand select = Command(reader, null, "SELECT device_ref, COUNT(*), SUM(LENGTH(payload)), COUNT(DISTINCT boot), "
                + "COUNT(DISTINCT CASE WHEN boot_reason IN (5, 7) THEN boot END), MIN(supply_mv), MAX(supply_mv), AVG(CAST(supply_mv AS DOUBLE PRECISION)), "
                + "MIN(heap_free_kib), SUM(bytes_up), SUM(bytes_down), SUM(wire_bytes), MAX(attempts), MAX(rejected), MAX(version_code) "
                + $"FROM {Tables.HealthReports} WHERE received_ms >= @from AND received_ms < @to GROUP BY device_ref");
            SqlDialect.Parameter(select, "@from", hourMs);
            SqlDialect.Parameter(select, "@to", hourMs + 3_600_000);
            using DbDataReader data = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await data.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(new object[]
                {
                    data.GetInt64(0), Long(data, 1), Long(data, 2), Long(data, 3), Long(data, 4), NullableLongValue(data, 5), NullableLongValue(data, 6),
                    data.IsDBNull(7) ? DBNull.Value : Convert.ToDouble(data.GetValue(7), CultureInfo.InvariantCulture), NullableLongValue(data, 8), Long(data, 9),
                    Long(data, 10), Long(data, 11), Long(data, 12), Long(data, 13), Long(data, 14),
                });
            }
        }

        string[] names = { "@d", "@n", "@pb", "@bo", "@ub", "@smin", "@smax", "@savg", "@hmin", "@bu", "@bd", "@wb", "@am", "@rm", "@vc" };
        for (int start = 0; start < rows.Count; start += RollUpChunk)
        {
            await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            using DbCommand upsert = Command(connection, transaction, $"INSERT INTO {Tables.HealthHourly} (device_ref, hour_ms, reports, payload_bytes, boots, unclean_boots, "
                + "supply_min, supply_max, supply_avg, heap_free_min, bytes_up, bytes_down, wire_bytes, attempts_max, rejected_max, version_code) "
                + "VALUES (@d, @h, @n, @pb, @bo, @ub, @smin, @smax, @savg, @hmin, @bu, @bd, @wb, @am, @rm, @vc) ON CONFLICT (device_ref, hour_ms) DO UPDATE SET "
                + "reports = excluded.reports, payload_bytes = excluded.payload_bytes, boots = excluded.boots, unclean_boots = excluded.unclean_boots, "
                + "supply_min = excluded.supply_min, supply_max = excluded.supply_max, supply_avg = excluded.supply_avg, heap_free_min = excluded.heap_free_min, "
                + "bytes_up = excluded.bytes_up, bytes_down = excluded.bytes_down, wire_bytes = excluded.wire_bytes, attempts_max = excluded.attempts_max, "
                + "rejected_max = excluded.rejected_max, version_code = excluded.version_code");
            foreach (object[] row in rows.Skip(start).Take(RollUpChunk))
            {
                Set(upsert, "@h", hourMs);
                for (int i = 0; i < names.Length; i++)
                {
                    Set(upsert, names[i], row[i]);
                }

                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return rows.Count;
    }

    public async Task<IReadOnlyDictionary<string, long>> PruneAsync(RetentionPolicy policy, long nowMs, long rolledUpToMs, CancellationToken cancellationToken)
    {
        var deleted = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (table, key, time, days) in Retention)
        {
            long cutoff = nowMs - (days(policy) * 86_400_000L);
            if (table == Tables.HealthReports)
            {
                cutoff = Math.Min(cutoff, rolledUpToMs);
            }

            string keys = key.Contains(',', StringComparison.Ordinal) ? "(" + key + ")" : key;
            string sql = $"DELETE FROM {table} WHERE {keys} IN (SELECT {key} FROM {table} WHERE {time} < @cutoff LIMIT {PruneChunk})";
            long total = 0;
            while (true)
            {
                await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
                using DbCommand command = Command(connection, null, sql);
                Set(command, "@cutoff", cutoff);
                int rows = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                total += rows;
                if (rows < PruneChunk)
                {
                    break;
                }
            }

            deleted[table] = total;
        }

        return deleted;
    }

    public async Task<long> DatabaseBytesAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await _dialect.DatabaseBytesAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    public async Task AddDailyAsync(DailySummary delta, CancellationToken cancellationToken)
    {
        const string T = Tables.ServiceDaily;
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"INSERT INTO {T} (day_ms, instance, messages, bytes_in, reports, events, rejected, cpu_ms, peak_rss_bytes, "
            + "database_bytes, raw_rows, updated_ms) VALUES (@day, @i, @m, @b, @r, @e, @rj, @cpu, @rss, @db, @rows, @u) ON CONFLICT (day_ms, instance) DO UPDATE SET "
            + $"messages = {T}.messages + excluded.messages, bytes_in = {T}.bytes_in + excluded.bytes_in, reports = {T}.reports + excluded.reports, "
            + $"events = {T}.events + excluded.events, rejected = {T}.rejected + excluded.rejected, cpu_ms = {T}.cpu_ms + excluded.cpu_ms, "
            + $"peak_rss_bytes = CASE WHEN excluded.peak_rss_bytes > {T}.peak_rss_bytes THEN excluded.peak_rss_bytes ELSE {T}.peak_rss_bytes END, "
            + "database_bytes = excluded.database_bytes, raw_rows = excluded.raw_rows, updated_ms = excluded.updated_ms");
        Set(command, "@day", delta.DayMs);
        Set(command, "@i", delta.Instance);
        Set(command, "@m", delta.Messages);
        Set(command, "@b", delta.BytesIn);
        Set(command, "@r", delta.Reports);
        Set(command, "@e", delta.Events);
        Set(command, "@rj", delta.Rejected);
        Set(command, "@cpu", delta.CpuMs);
        Set(command, "@rss", delta.PeakRssBytes);
        Set(command, "@db", delta.DatabaseBytes);
        Set(command, "@rows", delta.RawRows);
        Set(command, "@u", delta.UpdatedMs);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long?> GetStateAsync(string name, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT value FROM {Tables.ServiceState} WHERE name = @n");
        Set(command, "@n", name);
        object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// How many service-state rows named <paramref name="prefix"/> followed by anything hold a value of at least
    /// <paramref name="minValue"/>: e.g. the instances whose ingest was up lately. A range on the primary key (no LIKE, whose
    /// <c>_</c> is a wildcard, and no range on the name, which a PostgreSQL collation may order ignoring punctuation): the table
    /// holds a few rows per instance. The prefix must not be empty.
    /// </summary>
    public async Task<int> CountStatesAsync(string prefix, long minValue, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT COUNT(*) FROM {Tables.ServiceState} WHERE substr(name, 1, @len) = @prefix AND value >= @min");
        Set(command, "@len", prefix.Length);
        Set(command, "@prefix", prefix);
        Set(command, "@min", minValue);
        object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return Convert.ToInt32(value, CultureInfo.InvariantCulture);
    }

    public async Task SetStateAsync(string name, long value, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"INSERT INTO {Tables.ServiceState} (name, value) VALUES (@n, @v) ON CONFLICT (name) DO UPDATE SET value = excluded.value");
        Set(command, "@n", name);
        Set(command, "@v", value);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The query of <see cref="ReadResumeEvidenceAsync"/> (one parameter, @i: the instance); its plans are in docs/service.md.</summary>
    internal static readonly string ResumeEvidenceSql = $"SELECT (SELECT MAX(received_ms) FROM {Tables.HealthReports}), "
        + $"(SELECT MAX(received_ms) FROM {Tables.Events}), "
        + $"(SELECT MAX(last_ms) FROM {Tables.Counters} WHERE hour_ms = (SELECT MAX(hour_ms) FROM {Tables.Counters})), "
        + $"(SELECT MAX(updated_ms) FROM {Tables.ServiceDaily} WHERE instance = @i)";

    public async Task<ResumeEvidence> ReadResumeEvidenceAsync(string instance, CancellationToken cancellationToken)
    {
        // Each maximum is one step down an index (docs/service.md, "After an outage", has the plans): received_ms on the
        // reports and the events; on the counters the newest hour (its index), then last_ms among that hour's rows only
        // (a counter's last time lies in its own hour). service_daily holds one row per UTC day and instance.
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, ResumeEvidenceSql);
        Set(command, "@i", instance);
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        long? newest = null;
        for (int i = 0; i < 3; i++)
        {
            if (NullableLong(reader, i) is long committed)
            {
                newest = Math.Max(newest ?? long.MinValue, committed);
            }
        }

        return new ResumeEvidence(newest, NullableLong(reader, 3));
    }

    public async Task<long?> OldestHealthMsAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT MIN(received_ms) FROM {Tables.HealthReports}");
        object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
    }

    public async Task<long> CountHealthAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT COUNT(*) FROM {Tables.HealthReports}");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    // ---- queries ----

    public async Task<DeviceRecord?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT {DeviceColumns} FROM {Tables.Devices} WHERE device_id = @d");
        Set(command, "@d", deviceId);
        return (await ReadAllAsync(command, ReadDevice, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<HealthRecord>> ListHealthAsync(string deviceId, long fromMs, long toMs, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT d.device_id, {Prefixed("h", HealthColumns)} FROM {Tables.HealthReports} h JOIN {Tables.Devices} d ON d.id = h.device_ref "
            + "WHERE d.device_id = @d AND h.received_ms >= @from AND h.received_ms < @to ORDER BY h.received_ms, h.boot, h.seq LIMIT @limit");
        Set(command, "@d", deviceId);
        Set(command, "@from", fromMs);
        Set(command, "@to", toMs);
        Set(command, "@limit", (long)limit);
        return await ReadAllAsync(command, r => new HealthRecord(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5),
            NullableLong(r, 6), NullableLong(r, 7), NullableLong(r, 8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), NullableLong(r, 12), r.GetInt64(13),
            r.GetInt64(14), r.GetInt64(15), r.GetInt64(16), (byte[])r.GetValue(17)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EventRecord>> ListEventsAsync(string deviceId, long fromMs, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT d.device_id, e.received_ms, e.kind, e.event_key, e.boot, e.seq, e.payload FROM {Tables.Events} e "
            + $"JOIN {Tables.Devices} d ON d.id = e.device_ref WHERE d.device_id = @d AND e.received_ms >= @from ORDER BY e.received_ms, e.id LIMIT @limit");
        Set(command, "@d", deviceId);
        Set(command, "@from", fromMs);
        Set(command, "@limit", (long)limit);
        return await ReadAllAsync(command, r => new EventRecord(r.GetString(0), r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
            NullableLong(r, 4), NullableLong(r, 5), r.GetString(6)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CounterRecord>> ListCountersAsync(string? deviceId, long fromMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT device_id, reason, hour_ms, count, bytes, last_ms, last_detail FROM {Tables.Counters} "
            + "WHERE hour_ms >= @from" + (deviceId != null ? " AND device_id = @d" : string.Empty) + " ORDER BY device_id, reason, hour_ms");
        Set(command, "@from", fromMs);
        if (deviceId != null)
        {
            Set(command, "@d", deviceId);
        }

        return await ReadAllAsync(command, r => new CounterRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5),
            r.IsDBNull(6) ? null : r.GetString(6)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<CounterTotal>> ListCounterTotalsAsync(string deviceId, long fromMs, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        // The newest non-null detail of the reason in the window (a row's detail is the newest of its hour, kept when a later message had none).
        using DbCommand command = Command(connection, null, "SELECT c.reason, SUM(c.count), SUM(c.bytes), MAX(c.last_ms), "
            + $"(SELECT l.last_detail FROM {Tables.Counters} l WHERE l.device_id = @d AND l.reason = c.reason AND l.hour_ms >= @from AND l.last_detail IS NOT NULL "
            + "ORDER BY l.last_ms DESC LIMIT 1) "
            + $"FROM {Tables.Counters} c WHERE c.device_id = @d AND c.hour_ms >= @from GROUP BY c.reason ORDER BY c.reason LIMIT @limit");
        Set(command, "@d", deviceId);
        Set(command, "@from", fromMs);
        Set(command, "@limit", (long)limit);
        return await ReadAllAsync(command, r => new CounterTotal(r.GetString(0), Long(r, 1), Long(r, 2), Long(r, 3), r.IsDBNull(4) ? null : r.GetString(4)),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<HourlyRecord>> ListHourlyAsync(string deviceId, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, "SELECT d.device_id, h.hour_ms, h.reports, h.payload_bytes, h.boots, h.unclean_boots, h.supply_min, h.supply_max, "
            + "h.supply_avg, h.heap_free_min, h.bytes_up, h.bytes_down, h.wire_bytes, h.attempts_max, h.rejected_max, h.version_code "
            + $"FROM {Tables.HealthHourly} h JOIN {Tables.Devices} d ON d.id = h.device_ref WHERE d.device_id = @d AND h.hour_ms >= @from AND h.hour_ms < @to ORDER BY h.hour_ms");
        Set(command, "@d", deviceId);
        Set(command, "@from", fromMs);
        Set(command, "@to", toMs);
        return await ReadAllAsync(command, r => new HourlyRecord(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5),
            NullableLong(r, 6), NullableLong(r, 7), r.IsDBNull(8) ? null : r.GetDouble(8), NullableLong(r, 9), r.GetInt64(10), r.GetInt64(11), r.GetInt64(12),
            r.GetInt64(13), r.GetInt64(14), r.GetInt64(15)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DailySummary>> ListDailyAsync(long fromMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, "SELECT day_ms, instance, messages, bytes_in, reports, events, rejected, cpu_ms, peak_rss_bytes, database_bytes, "
            + $"raw_rows, updated_ms FROM {Tables.ServiceDaily} WHERE day_ms >= @from ORDER BY day_ms, instance");
        Set(command, "@from", fromMs);
        return await ReadAllAsync(command, r => new DailySummary(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5),
            r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11)), cancellationToken).ConfigureAwait(false);
    }

    // ---- findings, actions, alerts ----

    public async Task<long> UpsertFindingAsync(FindingRecord finding, CancellationToken cancellationToken)
    {
        const string T = Tables.Findings;
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"INSERT INTO {T} (device_id, rule, severity, trusts_device, observed, expected, evidence, first_seen_ms, "
            + "last_seen_ms, state) VALUES (@d, @r, @s, @t, @o, @e, @ev, @f, @l, 'open') ON CONFLICT (device_id, rule) WHERE state = 'open' DO UPDATE SET "
            + "severity = excluded.severity, trusts_device = excluded.trusts_device, observed = excluded.observed, expected = excluded.expected, "
            + $"evidence = excluded.evidence, last_seen_ms = excluded.last_seen_ms RETURNING id");
        Set(command, "@d", finding.DeviceId);
        Set(command, "@r", finding.Rule);
        Set(command, "@s", finding.Severity);
        Set(command, "@t", finding.TrustsDevice ? 1L : 0L);
        Set(command, "@o", finding.Observed);
        Set(command, "@e", finding.Expected);
        Set(command, "@ev", finding.Evidence);
        Set(command, "@f", finding.FirstSeenMs);
        Set(command, "@l", finding.LastSeenMs);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<bool> ClearFindingAsync(string deviceId, string rule, long atMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"UPDATE {Tables.Findings} SET state = 'cleared', last_seen_ms = @at WHERE device_id = @d AND rule = @r AND state = 'open'");
        Set(command, "@at", atMs);
        Set(command, "@d", deviceId);
        Set(command, "@r", rule);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<FindingRecord>> ListFindingsAsync(string? deviceId, bool openOnly, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        string where = (deviceId != null ? " AND device_id = @d" : string.Empty) + (openOnly ? " AND state = 'open'" : string.Empty);
        using DbCommand command = Command(connection, null, "SELECT id, device_id, rule, severity, trusts_device, observed, expected, evidence, first_seen_ms, last_seen_ms, state "
            + $"FROM {Tables.Findings} WHERE 1 = 1{where} ORDER BY last_seen_ms DESC, id DESC LIMIT @limit");
        if (deviceId != null)
        {
            Set(command, "@d", deviceId);
        }

        Set(command, "@limit", (long)limit);
        return await ReadAllAsync(command, r => new FindingRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4) != 0,
            r.IsDBNull(5) ? null : r.GetDouble(5), r.IsDBNull(6) ? null : r.GetDouble(6), r.GetString(7), r.GetInt64(8), r.GetInt64(9), r.GetString(10)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> BeginActionAsync(ActionRecord action, CancellationToken cancellationToken)
    {
        if (action.Outcome != ActionRecord.Pending)
        {
            throw new ArgumentException("an action begins pending", nameof(action));
        }

        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long id = await InsertActionAsync(connection, transaction, action, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    public async Task<bool> CompleteActionAsync(ActionCompletion completion, CancellationToken cancellationToken)
    {
        if (completion.Outcome is not (ActionRecord.Done or ActionRecord.Failed))
        {
            throw new ArgumentException("an action completes done or failed", nameof(completion));
        }

        if (completion.Alert != null && completion.Outcome != ActionRecord.Done)
        {
            throw new ArgumentException("only a done action alerts its owner", nameof(completion));
        }

        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        string? deviceId;
        using (DbCommand complete = Command(connection, transaction, $"UPDATE {Tables.Actions} SET outcome = @o, detail = @det, completed_ms = @at "
            + "WHERE id = @id AND outcome = 'pending' RETURNING device_id"))
        {
            // Guarded by outcome = 'pending': of two completers (the dispatcher and a reconciler, two reconcilers) the
            // second finds no row (PostgreSQL re-reads the row after the first commits; SQLite's writes are serial).
            Set(complete, "@o", completion.Outcome);
            Set(complete, "@det", completion.Detail);
            Set(complete, "@at", completion.AtMs);
            Set(complete, "@id", completion.Id);
            deviceId = await complete.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        }

        if (deviceId == null)
        {
            return false; // nothing written: the transaction is disposed, rolled back
        }

        if (completion.Ladder != null && !string.Equals(completion.Ladder.DeviceId, deviceId, StringComparison.Ordinal))
        {
            throw new ArgumentException("the ladder change is for another device than the action", nameof(completion));
        }

        if (completion.ServiceState != null)
        {
            using DbCommand state = Command(connection, transaction, $"UPDATE {Tables.Devices} SET service_state = @s WHERE device_id = @d");
            Set(state, "@s", completion.ServiceState);
            Set(state, "@d", deviceId);
            await state.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        if (completion.CutReason != null)
        {
            await CutPresenceAsync(connection, transaction, deviceId, completion.AtMs, completion.CutReason, cancellationToken).ConfigureAwait(false);
        }

        if (completion.Ladder != null)
        {
            await ServiceStateStore.ApplyAsync(connection, transaction, completion.Ladder, cancellationToken).ConfigureAwait(false);
        }

        if (completion.Alert != null)
        {
            // The owner's alert in the outbox with the "done": queued if and only if the action is recorded done, once
            // (the completion is guarded by outcome = 'pending'), and it survives whatever happens after the commit.
            if (!string.Equals(completion.Alert.Alert.DeviceId, deviceId, StringComparison.Ordinal))
            {
                throw new ArgumentException("the alert is for another device than the action", nameof(completion));
            }

            await Integration.DatabaseAlertStore.QueueAsync(connection, transaction, completion.Alert, completion.AtMs, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<IReadOnlyList<ActionRecord>> ListPendingActionsAsync(long beforeMs, PendingCursor? after, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One text for both dialects and with or without a cursor (no cursor: before every row, ids start at 1); the
        // partial index ix_actions_pending (at_ms) WHERE outcome = 'pending' serves the range and the order.
        using DbCommand command = Command(connection, null, $"SELECT {ActionColumns} FROM {Tables.Actions} WHERE outcome = 'pending' AND at_ms < @before "
            + "AND (at_ms > @after_at OR (at_ms = @after_at AND id > @after_id)) ORDER BY at_ms, id LIMIT @limit");
        Set(command, "@before", beforeMs);
        Set(command, "@after_at", after?.AtMs ?? long.MinValue);
        Set(command, "@after_id", after?.Id ?? long.MinValue);
        Set(command, "@limit", (long)limit);
        return await ReadAllAsync(command, ReadAction, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ActionRecord>> ListActionsAsync(string? deviceId, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT {ActionColumns} FROM {Tables.Actions} "
            + (deviceId != null ? "WHERE device_id = @d " : string.Empty) + "ORDER BY at_ms DESC, id DESC LIMIT @limit");
        if (deviceId != null)
        {
            Set(command, "@d", deviceId);
        }

        Set(command, "@limit", (long)limit);
        return await ReadAllAsync(command, ReadAction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The read of a throttled device's reports (parameters @d, @from, @to, @limit); its plan is tested.</summary>
    internal static readonly string ThrottleReportsSql = $"SELECT h.received_ms, h.flags FROM {Tables.HealthReports} h JOIN {Tables.Devices} d ON d.id = h.device_ref "
        + "WHERE d.device_id = @d AND h.received_ms + 0 >= @from AND h.received_ms + 0 < @to ORDER BY h.received_ms + 0, h.id LIMIT @limit";

    public async Task<ThrottleReports> ReadThrottleReportsAsync(ActionRecord throttle, long fromMs, long toMs, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        long? nextMs;
        using (DbCommand next = Command(connection, null, $"SELECT MIN(at_ms) FROM {Tables.Actions} WHERE device_id = @d AND (at_ms > @at OR (at_ms = @at AND id > @id))"))
        {
            Set(next, "@d", throttle.DeviceId);
            Set(next, "@at", throttle.AtMs);
            Set(next, "@id", throttle.Id);
            object? value = await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            nextMs = value is null or DBNull ? null : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }

        // "received_ms + 0" (same values) keeps the planners off ix_health_received, in the order and in the range alike:
        // ordered by the column, PostgreSQL (and SQLite after ANALYZE) walked that index and filtered on the device, every
        // report of the fleet in the window; ranged on the column, PostgreSQL ANDed the device's prefix with a bitmap of the
        // fleet's whole window (57,800 index entries for 289 rows with 200 devices; the window grows with the fleet). With
        // neither, both read only the device's prefix of UNIQUE (device_ref, boot, seq): nothing for a silent device, its
        // stored reports (bounded by --raw-days) for one that reports, whatever the fleet's size (docs/response.md).
        using DbCommand command = Command(connection, null, ThrottleReportsSql);
        Set(command, "@d", throttle.DeviceId);
        Set(command, "@from", fromMs);
        Set(command, "@to", Math.Min(nextMs ?? long.MaxValue, toMs));
        Set(command, "@limit", (long)limit);
        long? flaggedMs = null, lastUnflaggedMs = null;
        int unflagged = 0;
        foreach ((long receivedMs, long flags) in await ReadAllAsync(command, r => (r.GetInt64(0), r.GetInt64(1)), cancellationToken).ConfigureAwait(false))
        {
            if ((flags & SecureDevice.Core.Telemetry.HealthFlags.Throttled) != 0)
            {
                flaggedMs ??= receivedMs;
            }
            else
            {
                unflagged++;
                lastUnflaggedMs = receivedMs;
            }
        }

        return new ThrottleReports(flaggedMs, unflagged, lastUnflaggedMs, nextMs);
    }

    private const string ActionColumns = "id, device_id, kind, actor, reason, at_ms, outcome, detail, completed_ms";

    private static ActionRecord ReadAction(DbDataReader r) => new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5),
        r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetInt64(8));

    /// <summary>
    /// The action's audit row inside the caller's transaction, for a caller whose own rows must stand or fall with it
    /// (the console's rollout records each device's offer with its audit row); its id. The one text that writes
    /// <see cref="Tables.Actions"/>.
    /// </summary>
    public static async Task<long> InsertActionAsync(DbConnection connection, DbTransaction transaction, ActionRecord action, CancellationToken cancellationToken)
    {
        using DbCommand record = Command(connection, transaction, $"INSERT INTO {Tables.Actions} (device_id, kind, actor, reason, at_ms, outcome, detail) "
            + "VALUES (@d, @k, @a, @r, @at, @o, @det) RETURNING id");
        Set(record, "@d", action.DeviceId);
        Set(record, "@k", action.Kind);
        Set(record, "@a", action.Actor);
        Set(record, "@r", action.Reason);
        Set(record, "@at", action.AtMs);
        Set(record, "@o", action.Outcome);
        Set(record, "@det", action.Detail);
        return Convert.ToInt64(await record.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>Presence offline since <paramref name="atMs"/> with <paramref name="reason"/>, and the event saying so, in the caller's transaction (unknown device: nothing).</summary>
    private static async Task CutPresenceAsync(DbConnection connection, DbTransaction transaction, string deviceId, long atMs, string reason, CancellationToken cancellationToken)
    {
        long? id;
        using (DbCommand cut = Command(connection, transaction, $"UPDATE {Tables.Devices} SET presence = 'offline', presence_ms = @at, presence_reason = @why "
            + "WHERE device_id = @d RETURNING id"))
        {
            Set(cut, "@at", atMs);
            Set(cut, "@why", reason);
            Set(cut, "@d", deviceId);
            object? found = await cut.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            id = found is null or DBNull ? null : Convert.ToInt64(found, CultureInfo.InvariantCulture);
        }

        if (id == null)
        {
            return;
        }

        // In the device's events beside the presence changes it reported itself, with the reason.
        using DbCommand record = Command(connection, transaction, $"INSERT INTO {Tables.Events} (device_ref, received_ms, kind, payload) VALUES (@d, @r, 'presence', @p)");
        Set(record, "@d", id.Value);
        Set(record, "@r", atMs);
        Set(record, "@p", "offline: " + reason);
        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> AddAlertAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"INSERT INTO {Tables.Alerts} (customer_id, device_id, kind, channel, state, attempts, last_error, dedupe_key, "
            + "created_ms, updated_ms) VALUES (@c, @d, @k, @ch, @s, @a, @e, @key, @cr, @up) RETURNING id");
        Set(command, "@c", alert.CustomerId);
        Set(command, "@d", alert.DeviceId);
        Set(command, "@k", alert.Kind);
        Set(command, "@ch", alert.Channel);
        Set(command, "@s", alert.State);
        Set(command, "@a", alert.Attempts);
        Set(command, "@e", alert.LastError);
        Set(command, "@key", alert.DedupeKey);
        Set(command, "@cr", alert.CreatedMs);
        Set(command, "@up", alert.UpdatedMs);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<bool> UpdateAlertAsync(long id, string state, long attempts, string? lastError, long nowMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"UPDATE {Tables.Alerts} SET state = @s, attempts = @a, last_error = @e, updated_ms = @u WHERE id = @id");
        Set(command, "@s", state);
        Set(command, "@a", attempts);
        Set(command, "@e", lastError);
        Set(command, "@u", nowMs);
        Set(command, "@id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<IReadOnlyList<AlertRecord>> ListAlertsAsync(string? customerId, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, "SELECT id, customer_id, device_id, kind, channel, state, attempts, last_error, dedupe_key, created_ms, updated_ms "
            + $"FROM {Tables.Alerts} " + (customerId != null ? "WHERE customer_id = @c " : string.Empty) + "ORDER BY created_ms DESC, id DESC LIMIT @limit");
        if (customerId != null)
        {
            Set(command, "@c", customerId);
        }

        Set(command, "@limit", (long)limit);
        return await ReadAllAsync(command, r => new AlertRecord(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
            r.GetString(5), r.GetInt64(6), r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetInt64(9), r.GetInt64(10)), cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _dialect.DisposeAsync();

    // ---- helpers ----

    /// <summary>The start of the UTC hour that holds <paramref name="ms"/>.</summary>
    public static long Hour(long ms) => ms - (((ms % 3_600_000) + 3_600_000) % 3_600_000);

    /// <summary>Sets a parameter of a command run once per row: the same parameter objects every time (prepared statements keep them).</summary>
    private static void Set(DbCommand command, string name, object? value)
    {
        if (command.Parameters.Contains(name))
        {
            command.Parameters[name].Value = value ?? DBNull.Value;
        }
        else
        {
            SqlDialect.Parameter(command, name, value);
        }
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using DbCommand command = Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var list = new List<T>();
        using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(read(reader));
        }

        return list;
    }

    private static DeviceRecord ReadDevice(DbDataReader r) => new(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
        r.GetInt64(5), r.GetInt64(6), r.GetString(7), NullableLong(r, 8), r.GetString(9), NullableLong(r, 10), NullableLong(r, 11), NullableLong(r, 12),
        NullableLong(r, 13), NullableLong(r, 14), r.GetString(15), NullableLong(r, 16), r.GetString(17), r.IsDBNull(18) ? null : r.GetString(18));

    // PostgreSQL's SUM of bigint is numeric: read every aggregate through Convert.
    private static long Long(DbDataReader reader, int index) => reader.IsDBNull(index) ? 0 : Convert.ToInt64(reader.GetValue(index), CultureInfo.InvariantCulture);

    private static object NullableLongValue(DbDataReader reader, int index) => reader.IsDBNull(index) ? DBNull.Value : Convert.ToInt64(reader.GetValue(index), CultureInfo.InvariantCulture);

    private static long? NullableLong(DbDataReader reader, int index) => reader.IsDBNull(index) ? null : Convert.ToInt64(reader.GetValue(index), CultureInfo.InvariantCulture);

    private static string Prefixed(string alias, string columns) => string.Join(", ", columns.Split(", ").Select(c => alias + "." + c));
}
