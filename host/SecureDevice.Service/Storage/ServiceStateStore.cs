using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Service.Storage;

/// <summary>A device's step on the response ladder: 1 throttled (since <paramref name="ThrottledMs"/>), 2 quarantined.</summary>
public sealed record LadderRow(string DeviceId, int Step, long? ThrottledMs, long? QuarantinedMs, long UpdatedMs, string Instance);

/// <summary>
/// What a done action changes in the response ladder's rows, written in the action's record transaction
/// (<see cref="ServiceStateStore.ApplyAsync"/>): the device's new <see cref="Step"/> (the ladder's own throttle or
/// quarantine), or, with <see cref="Step"/> null, its step and its refused messages forgotten (a lift).
/// </summary>
public sealed record LadderChange(string DeviceId, LadderRow? Step)
{
    public static LadderChange Save(LadderRow step) => new(step.DeviceId, step);

    public static LadderChange Forget(string deviceId) => new(deviceId, null);
}

/// <summary>
/// The ladder and detection rows of <see cref="ServiceStateSchema"/> (the alert outbox is
/// <see cref="Integration.DatabaseAlertStore"/>): parameterised statements only, one text for SQLite and PostgreSQL
/// (both understand <c>INSERT ... ON CONFLICT ... DO UPDATE</c>).
/// </summary>
public sealed class ServiceStateStore
{
    /// <summary>Detection rows written per transaction.</summary>
    public const int SnapshotChunk = 500;

    private readonly SqlDialect _dialect;

    public ServiceStateStore(SqlDialect dialect) => _dialect = dialect;

    public SqlDialect Dialect => _dialect;

    public async Task<LadderRow?> GetLadderAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT device_id, step, throttled_ms, quarantined_ms, updated_ms, instance FROM {ServiceStateSchema.LadderState} WHERE device_id = @d");
        SqlDialect.Parameter(command, "@d", deviceId);
        using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new LadderRow(r.GetString(0), (int)Long(r, 1), NullableLong(r, 2), NullableLong(r, 3), Long(r, 4), r.GetString(5))
            : null;
    }

    /// <summary>
    /// Applies <paramref name="change"/> inside the caller's transaction: the action's record
    /// (<see cref="FleetStore.CompleteActionAsync"/>), so that the ladder's row stands or falls with the action's audit row
    /// and the device's service state. Never written on its own: a done throttle without its row would be throttled
    /// again at the next offence instead of quarantined, and a lift whose record failed would have forgotten the ladder.
    /// </summary>
    public static async Task ApplyAsync(DbConnection connection, DbTransaction transaction, LadderChange change, CancellationToken cancellationToken)
    {
        if (change.Step is LadderRow row)
        {
            using DbCommand save = Command(connection, transaction, $"INSERT INTO {ServiceStateSchema.LadderState} (device_id, step, throttled_ms, quarantined_ms, updated_ms, instance) "
                + "VALUES (@d, @s, @t, @q, @u, @i) ON CONFLICT (device_id) DO UPDATE SET step = excluded.step, throttled_ms = excluded.throttled_ms, "
                + "quarantined_ms = excluded.quarantined_ms, updated_ms = excluded.updated_ms, instance = excluded.instance");
            SqlDialect.Parameter(save, "@d", row.DeviceId);
            SqlDialect.Parameter(save, "@s", (long)row.Step);
            SqlDialect.Parameter(save, "@t", row.ThrottledMs);
            SqlDialect.Parameter(save, "@q", row.QuarantinedMs);
            SqlDialect.Parameter(save, "@u", row.UpdatedMs);
            SqlDialect.Parameter(save, "@i", row.Instance);
            await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        using (DbCommand forget = Command(connection, transaction, $"DELETE FROM {ServiceStateSchema.LadderState} WHERE device_id = @d"))
        {
            SqlDialect.Parameter(forget, "@d", change.DeviceId);
            await forget.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ClearRefusalsAsync(connection, transaction, change.DeviceId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds <paramref name="refused"/> refused messages of a device at <paramref name="nowMs"/> and answers how many it has
    /// within the window, in one transaction (shared by restarts and instances). Counted in buckets of
    /// <paramref name="bucketMs"/>: a bucket counts while it starts after <c>now - window</c>, so a refusal older than the
    /// window never counts and one in the window's oldest bucket may already have stopped counting. Buckets older than
    /// the window (of every device) are deleted here: the table holds one window.
    /// </summary>
    public async Task<long> AddRefusalsAsync(string deviceId, long refused, long nowMs, long windowMs, long bucketMs, CancellationToken cancellationToken)
    {
        long bucket = nowMs - (((nowMs % bucketMs) + bucketMs) % bucketMs);
        long oldest = nowMs - windowMs;
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (refused > 0)
        {
            using DbCommand add = Command(connection, transaction, $"INSERT INTO {ServiceStateSchema.LadderRefusals} (device_id, bucket_ms, refused) VALUES (@d, @b, @n) "
                + $"ON CONFLICT (device_id, bucket_ms) DO UPDATE SET refused = {ServiceStateSchema.LadderRefusals}.refused + excluded.refused");
            SqlDialect.Parameter(add, "@d", deviceId);
            SqlDialect.Parameter(add, "@b", bucket);
            SqlDialect.Parameter(add, "@n", refused);
            await add.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using (DbCommand prune = Command(connection, transaction, $"DELETE FROM {ServiceStateSchema.LadderRefusals} WHERE bucket_ms <= @old"))
        {
            SqlDialect.Parameter(prune, "@old", oldest);
            await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        long total;
        using (DbCommand sum = Command(connection, transaction, $"SELECT COALESCE(SUM(refused), 0) FROM {ServiceStateSchema.LadderRefusals} WHERE device_id = @d AND bucket_ms > @old"))
        {
            SqlDialect.Parameter(sum, "@d", deviceId);
            SqlDialect.Parameter(sum, "@old", oldest);
            total = Convert.ToInt64(await sum.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>Writes detection snapshots (device id, exported state), <see cref="SnapshotChunk"/> per transaction.</summary>
    public async Task SaveDetectionAsync(IReadOnlyList<KeyValuePair<string, byte[]>> states, long nowMs, string instance, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        for (int start = 0; start < states.Count; start += SnapshotChunk)
        {
            await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            using DbCommand command = Command(connection, transaction, $"INSERT INTO {ServiceStateSchema.DetectionState} (device_id, state, updated_ms, instance) VALUES (@d, @s, @u, @i) "
                + "ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms, instance = excluded.instance");
            DbParameter device = SqlDialect.Parameter(command, "@d", string.Empty);
            DbParameter state = SqlDialect.Parameter(command, "@s", Array.Empty<byte>());
            SqlDialect.Parameter(command, "@u", nowMs);
            SqlDialect.Parameter(command, "@i", instance);
            for (int i = start; i < Math.Min(states.Count, start + SnapshotChunk); i++)
            {
                device.Value = states[i].Key;
                state.Value = states[i].Value;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every detection snapshot, in device id order, to <paramref name="load"/>; the number read.</summary>
    public async Task<int> LoadDetectionAsync(Action<string, byte[]> load, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, null, $"SELECT device_id, state FROM {ServiceStateSchema.DetectionState} ORDER BY device_id");
        using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        int count = 0;
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            load(r.GetString(0), (byte[])r.GetValue(1));
            count++;
        }

        return count;
    }

    /// <summary>Forgets a device's refused messages, in the caller's transaction (a lift's, through <see cref="ApplyAsync"/>): its count starts again.</summary>
    private static async Task ClearRefusalsAsync(DbConnection connection, DbTransaction transaction, string deviceId, CancellationToken cancellationToken)
    {
        using DbCommand command = Command(connection, transaction, $"DELETE FROM {ServiceStateSchema.LadderRefusals} WHERE device_id = @d");
        SqlDialect.Parameter(command, "@d", deviceId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    internal static long Long(DbDataReader reader, int index) => Convert.ToInt64(reader.GetValue(index), CultureInfo.InvariantCulture);

    internal static long? NullableLong(DbDataReader reader, int index) => reader.IsDBNull(index) ? null : Long(reader, index);
}
