using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;

namespace SecureDevice.WebConsole.Updates;

/// <summary>One update rollout: who offered which verified bundle to which target (schema step 6, append-only).</summary>
public sealed record RolloutRecord(
    long Id, long CreatedMs, string Actor, string Address, string? CustomerId, string Bundle, string Product, string Version, long SecurityVersion,
    string ManifestSha256, string Url, string Target, string Reason, long Devices);

/// <summary>A device of a rollout and what the broker answered to its offer (published, or failed with why).</summary>
public sealed record RolloutDeviceRecord(long RolloutId, string DeviceId, long AtMs, string Outcome, string Detail);

/// <summary>
/// The rollouts (<see cref="ConsoleOpsSchema"/>) and the device events that follow them. Parameters only; tenant
/// scoping in SQL: a customer's users see only rollouts of their customer, staff see all.
/// </summary>
public sealed class RolloutStore
{
    private const string Columns = "id, created_ms, actor, address, customer_id, bundle, product, version, security_version, manifest_sha256, url, target, reason, devices";

    private readonly SqlDialect _dialect;

    public RolloutStore(SqlDialect dialect) => _dialect = dialect;

    /// <summary>Records a rollout alone (no plan: tests and tools); an offer records it with its plan in one transaction (<see cref="RolloutWaveStore.AddAsync"/>).</summary>
    public Task<long> AddAsync(RolloutRecord r, CancellationToken cancellationToken) => Insert(r).ScalarAsync(_dialect, InsertSql, cancellationToken);

    /// <summary>The rollout's row inside the caller's transaction.</summary>
    internal static Task<long> AddAsync(RolloutRecord r, DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        Insert(r).ScalarAsync(connection, transaction, InsertSql, cancellationToken);

    private const string InsertSql = $"INSERT INTO {ConsoleOpsSchema.Rollouts} (created_ms, actor, address, customer_id, bundle, product, version, security_version, "
        + "manifest_sha256, url, target, reason, devices) VALUES (@at, @actor, @addr, @c, @b, @p, @v, @sv, @sha, @url, @t, @reason, @n) RETURNING id";

    private static SqlQuery Insert(RolloutRecord r) => new SqlQuery()
        .Parameter("@at", r.CreatedMs).Parameter("@actor", r.Actor).Parameter("@addr", r.Address).Parameter("@c", r.CustomerId).Parameter("@b", r.Bundle)
        .Parameter("@p", r.Product).Parameter("@v", r.Version).Parameter("@sv", r.SecurityVersion).Parameter("@sha", r.ManifestSha256).Parameter("@url", r.Url)
        .Parameter("@t", r.Target).Parameter("@reason", r.Reason).Parameter("@n", r.Devices);

    /// <summary>
    /// Records what became of a device's offer and its row in the action audit (<paramref name="audit"/>) in one
    /// transaction. A reader never sees the one without the other, and a failure or a crash cannot leave the device
    /// recorded without its audit row: a recorded device is never offered again, so that row would never come.
    /// </summary>
    public async Task AddDeviceAsync(RolloutDeviceRecord d, ActionRecord audit, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await new SqlQuery().Parameter("@r", d.RolloutId).Parameter("@d", d.DeviceId).Parameter("@at", d.AtMs).Parameter("@o", d.Outcome).Parameter("@det", d.Detail)
            .ScalarAsync(connection, transaction, $"INSERT INTO {ConsoleOpsSchema.RolloutDevices} (rollout_id, device_id, at_ms, outcome, detail) VALUES (@r, @d, @at, @o, @det) "
                + "RETURNING rollout_id", cancellationToken).ConfigureAwait(false);
        await FleetStore.InsertActionAsync(connection, transaction, audit, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Newest rollouts of <paramref name="tenant"/> (null: all), keyset-paged by id.</summary>
    public async Task<ListPage<RolloutRecord>> ListAsync(string? tenant, long? beforeId, int pageSize, CancellationToken cancellationToken)
    {
        var query = new SqlQuery();
        if (tenant != null)
        {
            query.Where("customer_id = @tenant", "@tenant", tenant);
        }

        if (beforeId is long before)
        {
            query.Where("id < @before", "@before", before);
        }

        query.Parameter("@limit", (long)pageSize + 1);
        IReadOnlyList<RolloutRecord> rows = await query.ReadAsync(_dialect, $"SELECT {Columns} FROM {ConsoleOpsSchema.Rollouts}{query.WhereClause} ORDER BY id DESC LIMIT @limit", Read, cancellationToken).ConfigureAwait(false);
        return rows.Count > pageSize ? new ListPage<RolloutRecord>(System.Linq.Enumerable.ToList(System.Linq.Enumerable.Take(rows, pageSize)), rows[pageSize - 1].Id) : new ListPage<RolloutRecord>(rows, null);
    }

    /// <summary>One rollout if <paramref name="tenant"/> may see it (null: staff, any), else null (the page answers 404).</summary>
    public async Task<RolloutRecord?> GetAsync(long id, string? tenant, CancellationToken cancellationToken)
    {
        SqlQuery query = new SqlQuery().Where("id = @id", "@id", id);
        if (tenant != null)
        {
            query.Where("customer_id = @tenant", "@tenant", tenant);
        }

        IReadOnlyList<RolloutRecord> rows = await query.ReadAsync(_dialect, $"SELECT {Columns} FROM {ConsoleOpsSchema.Rollouts}{query.WhereClause}", Read, cancellationToken).ConfigureAwait(false);
        return rows.Count == 1 ? rows[0] : null;
    }

    public Task<IReadOnlyList<RolloutDeviceRecord>> DevicesAsync(long rolloutId, CancellationToken cancellationToken) => new SqlQuery().Parameter("@r", rolloutId)
        .ReadAsync(_dialect, $"SELECT rollout_id, device_id, at_ms, outcome, detail FROM {ConsoleOpsSchema.RolloutDevices} WHERE rollout_id = @r ORDER BY device_id",
            r => new RolloutDeviceRecord(r.GetInt64(0), r.GetString(1), r.GetInt64(2), r.GetString(3), r.GetString(4)), cancellationToken);

    /// <summary>Rollouts that offered something to <paramref name="deviceId"/>, newest first.</summary>
    public Task<IReadOnlyList<RolloutRecord>> ForDeviceAsync(string deviceId, int limit, CancellationToken cancellationToken) => new SqlQuery().Parameter("@d", deviceId).Parameter("@limit", (long)limit)
        .ReadAsync(_dialect, $"SELECT {Columns} FROM {ConsoleOpsSchema.Rollouts} WHERE id IN (SELECT rollout_id FROM {ConsoleOpsSchema.RolloutDevices} WHERE device_id = @d) ORDER BY id DESC LIMIT @limit", Read, cancellationToken);

    /// <summary>
    /// What the rollout's devices reported since it began: update events (<c>up/update</c>) and device events
    /// (<c>up/events</c>), newest first, at most <paramref name="limit"/>. Device-supplied text, to be escaped wherever shown.
    /// </summary>
    public Task<IReadOnlyList<EventRecord>> EventsAsync(RolloutRecord rollout, int limit, CancellationToken cancellationToken) => new SqlQuery()
        .Parameter("@r", rollout.Id).Parameter("@from", rollout.CreatedMs).Parameter("@limit", (long)limit)
        .ReadAsync(_dialect, $"SELECT d.device_id, e.received_ms, e.kind, e.event_key, e.boot, e.seq, e.payload FROM {Tables.Events} e JOIN {Tables.Devices} d ON d.id = e.device_ref "
            + $"WHERE d.device_id IN (SELECT device_id FROM {ConsoleOpsSchema.RolloutDevices} WHERE rollout_id = @r) AND e.received_ms >= @from AND e.kind <> 'presence' "
            + "ORDER BY e.received_ms DESC, e.id DESC LIMIT @limit",
            r => new EventRecord(r.GetString(0), r.GetInt64(1), r.GetString(2), SqlQuery.Text(r, 3), r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : r.GetInt64(5), r.GetString(6)),
            cancellationToken);

    private static RolloutRecord Read(DbDataReader r) => new(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), SqlQuery.Text(r, 4), r.GetString(5), r.GetString(6),
        r.GetString(7), r.GetInt64(8), r.GetString(9), r.GetString(10), r.GetString(11), r.GetString(12), r.GetInt64(13));
}
