using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Queries;

/// <summary>
/// Filtered, keyset-paged reads of the anomaly feed, the owner alerts, the action audit and the console security events, scoped to a tenant in SQL
/// (a customer's users: rows of that customer's devices only). Newest first by id; a page asks for one row more than
/// it shows to know whether an older page exists. Shared text for SQLite and PostgreSQL, parameters only.
/// </summary>
public sealed class FeedQueries
{
    /// <summary>The tenant condition for tables keyed by device id (findings, actions).</summary>
    private const string OwnDevices = "device_id IN (SELECT device_id FROM " + Tables.Devices + " WHERE customer_id = @tenant)";

    private readonly SqlDialect _dialect;

    public FeedQueries(SqlDialect dialect) => _dialect = dialect;

    /// <summary>Findings; Kind is the rule, Level the severity; the time range selects findings active in it.</summary>
    public Task<ListPage<FindingRecord>> FindingsAsync(string? tenant, ListFilter filter, CancellationToken cancellationToken)
    {
        SqlQuery query = Common(tenant, filter, OwnDevices, "last_seen_ms >= @from", "first_seen_ms < @to", "rule = @kind", "severity = @level");

        return PageAsync(query, filter, "SELECT id, device_id, rule, severity, trusts_device, observed, expected, evidence, first_seen_ms, last_seen_ms, state FROM " + Tables.Findings,
            r => new FindingRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4) != 0, r.IsDBNull(5) ? null : r.GetDouble(5),
                r.IsDBNull(6) ? null : r.GetDouble(6), r.GetString(7), r.GetInt64(8), r.GetInt64(9), r.GetString(10)), f => f.Id, cancellationToken);
    }

    /// <summary>Alerts to owners; Kind is the alert kind, Level its delivery state; the range is on the creation time.</summary>
    public Task<ListPage<AlertRecord>> AlertsAsync(string? tenant, ListFilter filter, CancellationToken cancellationToken)
    {
        SqlQuery query = Common(tenant, filter, "customer_id = @tenant", "created_ms >= @from", "created_ms < @to", "kind = @kind", "state = @level");

        return PageAsync(query, filter, "SELECT id, customer_id, device_id, kind, channel, state, attempts, last_error, dedupe_key, created_ms, updated_ms FROM " + Tables.Alerts,
            r => new AlertRecord(r.GetInt64(0), r.GetString(1), SqlQuery.Text(r, 2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt64(6), SqlQuery.Text(r, 7),
                SqlQuery.Text(r, 8), r.GetInt64(9), r.GetInt64(10)), a => a.Id, cancellationToken);
    }

    /// <summary>The append-only action audit; Kind is the action (throttle, offer...), Level the outcome (done, failed).</summary>
    public Task<ListPage<ActionRecord>> ActionsAsync(string? tenant, ListFilter filter, CancellationToken cancellationToken)
    {
        SqlQuery query = Common(tenant, filter, OwnDevices, "at_ms >= @from", "at_ms < @to", "kind = @kind", "outcome = @level");

        return PageAsync(query, filter, "SELECT id, device_id, kind, actor, reason, at_ms, outcome, detail FROM " + Tables.Actions,
            r => new ActionRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.GetString(6), SqlQuery.Text(r, 7)),
            a => a.Id, cancellationToken);
    }

    /// <summary>
    /// Console security events (sign-ins, accounts, roles, tokens, rollouts; <see cref="ConsoleApiSchema.Audit"/>) of a
    /// tenant's accounts, or all for staff; the range is on the event time. Device, kind and level do not apply (the
    /// caller clears them): these rows name no device.
    /// </summary>
    public Task<ListPage<Accounts.AuditRecord>> SecurityEventsAsync(string? tenant, ListFilter filter, CancellationToken cancellationToken)
    {
        SqlQuery query = Common(tenant, filter with { DeviceId = null, Kind = null, Level = null }, "customer_id = @tenant", "at_ms >= @from", "at_ms < @to", "action = @kind", "action = @level");

        return PageAsync(query, filter, "SELECT id, at_ms, actor, action, subject, address FROM " + ConsoleApiSchema.Audit,
            r => new Accounts.AuditRecord(r.GetInt64(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetInt64(0)), e => e.Id, cancellationToken);
    }

    /// <summary>The conditions every list shares; each argument is a constant fragment naming its parameter.</summary>
    private static SqlQuery Common(string? tenant, ListFilter filter, string tenantCondition, string fromCondition, string toCondition, string kindCondition, string levelCondition)
    {
        var query = new SqlQuery();
        if (filter.Kind != null)
        {
            query.Where(kindCondition, "@kind", filter.Kind);
        }

        if (filter.Level != null)
        {
            query.Where(levelCondition, "@level", filter.Level);
        }

        if (tenant != null)
        {
            query.Where(tenantCondition, "@tenant", tenant);
        }

        if (filter.DeviceId != null)
        {
            query.Where("device_id = @device", "@device", filter.DeviceId);
        }

        if (filter.FromMs is long from)
        {
            query.Where(fromCondition, "@from", from);
        }

        if (filter.ToMs is long to)
        {
            query.Where(toCondition, "@to", to);
        }

        if (filter.BeforeId is long before)
        {
            query.Where("id < @before", "@before", before);
        }

        return query;
    }

    private async Task<ListPage<T>> PageAsync<T>(SqlQuery query, ListFilter filter, string select, System.Func<System.Data.Common.DbDataReader, T> read, System.Func<T, long> id, CancellationToken cancellationToken)
    {
        int size = System.Math.Clamp(filter.PageSize, 1, ListFilter.MaxPageSize);
        query.Parameter("@limit", (long)size + 1);
        IReadOnlyList<T> rows = await query.ReadAsync(_dialect, select + query.WhereClause + " ORDER BY id DESC LIMIT @limit", read, cancellationToken).ConfigureAwait(false);
        return rows.Count > size ? new ListPage<T>(rows.Take(size).ToList(), id(rows[size - 1])) : new ListPage<T>(rows, null);
    }
}
