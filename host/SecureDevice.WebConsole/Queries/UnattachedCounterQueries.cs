using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Queries;

/// <summary>One id and reason of <see cref="UnattachedCounterQueries"/>: sums over the window; <see cref="ReasonsOfId"/> counts the id's reasons in the window, shown or not.</summary>
public sealed record UnattachedCounter(string DeviceId, string Reason, long Count, long Bytes, long LastMs, string? LastDetail, long ReasonsOfId);

/// <summary>The rows read, and how many unattached ids the window holds in all (more than were read when the id cap cut).</summary>
public sealed record UnattachedCounters(IReadOnlyList<UnattachedCounter> Rows, long IdsInWindow);

/// <summary>
/// The service's <c>device_counters</c> kept under ids that are no registered device (not in <c>devices</c>, whatever its
/// status): <c>unknown-device</c> ids, <c>(broker)</c>, <c>(overflow)</c>, <c>(invalid)</c>. Bounded twice in SQL: the ids
/// with the most refused messages first (at most <c>maxIds</c>), at most <c>maxReasons</c> reasons per id (by name).
/// The window's rows are read through <c>ix_counters_hour</c> (or SQLite's skip-scan of the primary key when it knows
/// few ids), each one's registration through the unique <c>devices.device_id</c> (or a hash of it); the chosen ids' rows
/// are read once more and both sums and details come from that one read (the plan test has the plans).
/// Shared text for SQLite and PostgreSQL, values only as parameters. No tenant: the caller admits staff only.
/// </summary>
public sealed class UnattachedCounterQueries
{
    /// <summary>The statement (public for the plan test). Parameters: <c>@from</c> (first hour), <c>@ids</c>, <c>@reasons</c>.</summary>
    public const string Sql =
        "WITH ids AS ("
        + "SELECT c.device_id, SUM(c.count) AS total, COUNT(*) OVER () AS ids_total FROM " + Tables.Counters + " c "
        + "WHERE c.hour_ms >= @from AND NOT EXISTS (SELECT 1 FROM " + Tables.Devices + " d WHERE d.device_id = c.device_id) "
        + "GROUP BY c.device_id ORDER BY total DESC, c.device_id LIMIT @ids), "
        // The chosen ids' rows in the window, read once (a correlated lookup of each detail made PostgreSQL walk the window's hour index once per row).
        + "picked AS (SELECT c.device_id, c.reason, c.count, c.bytes, c.last_ms, c.last_detail FROM " + Tables.Counters + " c "
        + "JOIN ids i ON i.device_id = c.device_id WHERE c.hour_ms >= @from), "
        + "totals AS (SELECT device_id, reason, SUM(count) AS n, SUM(bytes) AS b, MAX(last_ms) AS last_ms, "
        + "ROW_NUMBER() OVER (PARTITION BY device_id ORDER BY reason) AS rn, COUNT(*) OVER (PARTITION BY device_id) AS reasons_total "
        + "FROM picked GROUP BY device_id, reason), "
        // The newest non-null detail of the id and reason in the window, as on the device page.
        + "details AS (SELECT device_id, reason, last_detail, ROW_NUMBER() OVER (PARTITION BY device_id, reason ORDER BY last_ms DESC) AS dn "
        + "FROM picked WHERE last_detail IS NOT NULL) "
        + "SELECT t.device_id, t.reason, t.n, t.b, t.last_ms, dt.last_detail, t.reasons_total, i.ids_total "
        + "FROM totals t JOIN ids i ON i.device_id = t.device_id LEFT JOIN details dt ON dt.device_id = t.device_id AND dt.reason = t.reason AND dt.dn = 1 "
        + "WHERE t.rn <= @reasons ORDER BY i.total DESC, t.device_id, t.reason";

    private readonly SqlDialect _dialect;

    public UnattachedCounterQueries(SqlDialect dialect) => _dialect = dialect;

    /// <summary>The unattached counters of the hours from <paramref name="fromMs"/> (an hour's start) on.</summary>
    public async Task<UnattachedCounters> ReadAsync(long fromMs, int maxIds, int maxReasons, CancellationToken cancellationToken)
    {
        var query = new SqlQuery()
            .Parameter("@from", fromMs)
            .Parameter("@ids", (long)maxIds)
            .Parameter("@reasons", (long)maxReasons);
        long idsTotal = 0;
        IReadOnlyList<UnattachedCounter> rows = await query.ReadAsync(_dialect, Sql, r =>
        {
            idsTotal = Long(r, 7);
            return new UnattachedCounter(r.GetString(0), r.GetString(1), Long(r, 2), Long(r, 3), Long(r, 4), SqlQuery.Text(r, 5), Long(r, 6));
        }, cancellationToken).ConfigureAwait(false);
        return new UnattachedCounters(rows, idsTotal);
    }

    // PostgreSQL's SUM of a bigint is numeric, COUNT a bigint; SQLite's are integers.
    private static long Long(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? 0 : Convert.ToInt64(r.GetValue(i), CultureInfo.InvariantCulture);
}
