using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Service.Storage;

/// <summary>A row of the detection feed: one committed ingest batch (<see cref="Integration.DetectionFeedCodec"/>).</summary>
public sealed record FeedRow(long Seq, string Instance, long CommittedMs, byte[] Body);

/// <summary>Where the lease holder's detection state stands: the last feed row it judged, and its traffic window's start.</summary>
public sealed record FeedCursor(long Seq, long WindowStartMs);

/// <summary>
/// The detection feed (migration 14; docs/scale.md, "Past one machine", item 2): the committed batches of every instance
/// in commit order, the leases that make one instance their reader, and the reader's cursor. Parameterised statements
/// only, one text for SQLite and PostgreSQL.
/// </summary>
public sealed class DetectionFeedStore
{
    public const string Feed = "detection_feed";
    public const string FeedHead = "detection_feed_head";
    public const string Leases = "service_leases";
    public const string Cursors = "detection_cursor";

    /// <summary>The lease (and cursor) name of detection.</summary>
    public const string DetectionLease = "detection";

    private readonly SqlDialect _dialect;

    public DetectionFeedStore(SqlDialect dialect) => _dialect = dialect;

    public static IReadOnlyList<string> Statements(SqlDialect dialect) => new[]
    {
        // seq: gap-free, increasing in commit order (AppendAsync). body: the batch (DetectionFeedCodec).
        $@"CREATE TABLE {Feed} (
            seq {{int}} NOT NULL PRIMARY KEY,
            instance TEXT NOT NULL,
            committed_ms {{int}} NOT NULL,
            body {{blob}} NOT NULL)",
        $"CREATE INDEX ix_detection_feed_committed ON {Feed} (committed_ms)",

        // The feed's last seq, one row: kept apart from the feed so pruning every row never lets seq start again
        // below a saved cursor, and so its row lock orders the writers (AppendAsync).
        $@"CREATE TABLE {FeedHead} (
            name TEXT NOT NULL PRIMARY KEY,
            seq {{int}} NOT NULL)",
        $"INSERT INTO {FeedHead} (name, seq) VALUES ('{DetectionLease}', 0)",

        // A named lease held by one instance (owner) until until_ms (UTC ms); taken when free or expired.
        $@"CREATE TABLE {Leases} (
            name TEXT NOT NULL PRIMARY KEY,
            owner TEXT NOT NULL,
            until_ms {{int}} NOT NULL)",

        // How far the detection state saved in detection_state has read the feed, saved in the snapshot's transaction.
        $@"CREATE TABLE {Cursors} (
            name TEXT NOT NULL PRIMARY KEY,
            seq {{int}} NOT NULL,
            window_start_ms {{int}} NOT NULL,
            owner TEXT NOT NULL,
            updated_ms {{int}} NOT NULL)",
    };

    /// <summary>
    /// Appends one committed batch to the feed inside the ingest transaction, as its last statement before the commit;
    /// the row's seq. Why seq is in commit order on both databases: the seq comes from incrementing the one head row,
    /// whose row lock is held until this transaction ends. SQLite serialises writers outright. On PostgreSQL a second
    /// writer's increment waits on that row lock until this transaction commits (or rolls back), then reads the
    /// committed value: seq k+1 is only ever handed out once k's transaction committed, so a reader of
    /// <c>seq &gt; cursor</c> can never see k+1 while k is still invisible, and a rolled-back transaction gives its seq
    /// back (no gap). Same guarantee as an advisory transaction lock followed by MAX(seq)+1, without MAX restarting
    /// below the cursor once pruning emptied the feed. Taken last: the lock is held only for the commit itself. A
    /// sequence (nextval) would not do: it hands out numbers outside the transaction, so a later number can commit first.
    /// </summary>
    public static async Task<long> AppendAsync(DbConnection connection, DbTransaction transaction, string instance, long committedMs, byte[] body, CancellationToken cancellationToken)
    {
        long seq;
        using (DbCommand next = ServiceStateStore.Command(connection, transaction, $"UPDATE {FeedHead} SET seq = seq + 1 WHERE name = @n RETURNING seq"))
        {
            SqlDialect.Parameter(next, "@n", DetectionLease);
            object? value = await next.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            seq = value is null or DBNull ? throw new InvalidOperationException("the detection feed head row is missing") : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
        }

        using DbCommand insert = ServiceStateStore.Command(connection, transaction, $"INSERT INTO {Feed} (seq, instance, committed_ms, body) VALUES (@s, @i, @c, @b)");
        SqlDialect.Parameter(insert, "@s", seq);
        SqlDialect.Parameter(insert, "@i", instance);
        SqlDialect.Parameter(insert, "@c", committedMs);
        SqlDialect.Parameter(insert, "@b", body);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return seq;
    }

    /// <summary>Up to <paramref name="limit"/> rows after <paramref name="afterSeq"/>, in seq order.</summary>
    public async Task<List<FeedRow>> ReadAsync(long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = ServiceStateStore.Command(connection, null, $"SELECT seq, instance, committed_ms, body FROM {Feed} WHERE seq > @s ORDER BY seq LIMIT @n");
        SqlDialect.Parameter(command, "@s", afterSeq);
        SqlDialect.Parameter(command, "@n", (long)limit);
        using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<FeedRow>();
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new FeedRow(ServiceStateStore.Long(r, 0), r.GetString(1), ServiceStateStore.Long(r, 2), (byte[])r.GetValue(3)));
        }

        return rows;
    }

    /// <summary>The newest seq handed out (0: none yet).</summary>
    public async Task<long> HeadAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = ServiceStateStore.Command(connection, null, $"SELECT seq FROM {FeedHead} WHERE name = @n");
        SqlDialect.Parameter(command, "@n", DetectionLease);
        object? value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value == null ? 0 : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Takes or renews lease <paramref name="name"/> for <paramref name="owner"/> until <paramref name="nowMs"/> +
    /// <paramref name="ttlMs"/>, in one statement: granted when nobody holds it, this owner holds it, or the holder's
    /// lease expired. True when this owner holds it now.
    /// </summary>
    public async Task<bool> TryAcquireAsync(string name, string owner, long nowMs, long ttlMs, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = ServiceStateStore.Command(connection, null, $"INSERT INTO {Leases} (name, owner, until_ms) VALUES (@n, @o, @u) "
            + $"ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms WHERE {Leases}.owner = excluded.owner OR {Leases}.until_ms < @now");
        SqlDialect.Parameter(command, "@n", name);
        SqlDialect.Parameter(command, "@o", owner);
        SqlDialect.Parameter(command, "@u", nowMs + ttlMs);
        SqlDialect.Parameter(command, "@now", nowMs);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Gives the lease up (a clean stop): another instance takes it at its next attempt instead of after the TTL.</summary>
    public async Task ReleaseAsync(string name, string owner, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = ServiceStateStore.Command(connection, null, $"UPDATE {Leases} SET until_ms = 0 WHERE name = @n AND owner = @o");
        SqlDialect.Parameter(command, "@n", name);
        SqlDialect.Parameter(command, "@o", owner);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The saved cursor of <paramref name="name"/>, or null before the first save.</summary>
    public async Task<FeedCursor?> LoadCursorAsync(string name, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = ServiceStateStore.Command(connection, null, $"SELECT seq, window_start_ms FROM {Cursors} WHERE name = @n");
        SqlDialect.Parameter(command, "@n", name);
        using DbDataReader r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await r.ReadAsync(cancellationToken).ConfigureAwait(false) ? new FeedCursor(ServiceStateStore.Long(r, 0), ServiceStateStore.Long(r, 1)) : null;
    }

    /// <summary>
    /// Saves detection's state as of <paramref name="cursor"/> in one transaction, fenced by the lease: first the lease is
    /// renewed for <paramref name="owner"/> only if it still holds it (unexpired); if not, nothing is written and the
    /// answer is false (two leaders after a pause must not both write: the one that lost the lease learns it here).
    /// Every changed device's state and the cursor are written together, so the saved state is exactly "as of cursor".
    /// </summary>
    public async Task<bool> SaveAsync(string name, string owner, long nowMs, long ttlMs, IReadOnlyList<KeyValuePair<string, byte[]>> states, FeedCursor cursor, string instance, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using (DbCommand fence = ServiceStateStore.Command(connection, transaction, $"UPDATE {Leases} SET until_ms = @u WHERE name = @n AND owner = @o AND until_ms >= @now"))
        {
            SqlDialect.Parameter(fence, "@u", nowMs + ttlMs);
            SqlDialect.Parameter(fence, "@n", name);
            SqlDialect.Parameter(fence, "@o", owner);
            SqlDialect.Parameter(fence, "@now", nowMs);
            if (await fence.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                return false;
            }
        }

        if (states.Count > 0)
        {
            using DbCommand command = ServiceStateStore.Command(connection, transaction, $"INSERT INTO {ServiceStateSchema.DetectionState} (device_id, state, updated_ms, instance) VALUES (@d, @s, @u, @i) "
                + "ON CONFLICT (device_id) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms, instance = excluded.instance");
            DbParameter device = SqlDialect.Parameter(command, "@d", string.Empty);
            DbParameter state = SqlDialect.Parameter(command, "@s", Array.Empty<byte>());
            SqlDialect.Parameter(command, "@u", nowMs);
            SqlDialect.Parameter(command, "@i", instance);
            foreach (KeyValuePair<string, byte[]> entry in states)
            {
                device.Value = entry.Key;
                state.Value = entry.Value;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        using (DbCommand save = ServiceStateStore.Command(connection, transaction, $"INSERT INTO {Cursors} (name, seq, window_start_ms, owner, updated_ms) VALUES (@n, @s, @w, @o, @u) "
            + "ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, window_start_ms = excluded.window_start_ms, owner = excluded.owner, updated_ms = excluded.updated_ms"))
        {
            SqlDialect.Parameter(save, "@n", name);
            SqlDialect.Parameter(save, "@s", cursor.Seq);
            SqlDialect.Parameter(save, "@w", cursor.WindowStartMs);
            SqlDialect.Parameter(save, "@o", owner);
            SqlDialect.Parameter(save, "@u", nowMs);
            await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Deletes up to <paramref name="chunk"/> feed rows at or below <paramref name="seq"/> (judged and saved); rows deleted.</summary>
    public Task<int> PruneThroughAsync(long seq, int chunk, CancellationToken cancellationToken) =>
        DeleteAsync($"DELETE FROM {Feed} WHERE seq IN (SELECT seq FROM {Feed} WHERE seq <= @v ORDER BY seq LIMIT @n)", seq, chunk, cancellationToken);

    /// <summary>Deletes up to <paramref name="chunk"/> feed rows committed before <paramref name="cutoffMs"/> (the age cap); rows deleted.</summary>
    public Task<int> PruneOlderAsync(long cutoffMs, int chunk, CancellationToken cancellationToken) =>
        DeleteAsync($"DELETE FROM {Feed} WHERE seq IN (SELECT seq FROM {Feed} WHERE committed_ms < @v ORDER BY seq LIMIT @n)", cutoffMs, chunk, cancellationToken);

    private async Task<int> DeleteAsync(string sql, long value, int chunk, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = ServiceStateStore.Command(connection, null, sql);
        SqlDialect.Parameter(command, "@v", value);
        SqlDialect.Parameter(command, "@n", (long)chunk);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
