using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// A device's refused input (the service's <c>device_counters</c>, docs/service.md "Status and reason counters") as the
/// device page and <c>GET /api/v1/devices/{id}/refused</c> show it: per reason over the last <see cref="WindowDays"/>
/// days, at most <see cref="MaxReasons"/> reasons. The caller has already applied the tenant rule to the device.
/// </summary>
public static class RefusedInput
{
    public const int WindowDays = 7;

    /// <summary>Rows read at most (the service has 17 reasons; a hard cap so no read is unbounded).</summary>
    public const int MaxReasons = 64;

    /// <summary>One reason. Reason and detail went through <see cref="Printable.Escape"/> (controls, bidi and invisible characters made visible): the detail is text a device chose (a topic, a payload's complaint).</summary>
    public sealed record Row(string Reason, long Count, long Bytes, long LastMs, string LastDetail);

    /// <summary>The counters of <paramref name="deviceId"/> in the hours that began from <see cref="WindowDays"/> days before <paramref name="nowMs"/> (the hour holding that instant included).</summary>
    public static async Task<IReadOnlyList<Row>> LoadAsync(IFleetQueries fleet, string deviceId, long nowMs, CancellationToken cancellationToken)
    {
        long from = FleetStore.Hour(nowMs - (WindowDays * 86_400_000L));
        IReadOnlyList<CounterTotal> totals = await fleet.ListCounterTotalsAsync(deviceId, from, MaxReasons, cancellationToken);
        return totals.Select(t => new Row(Printable.Escape(t.Reason), t.Count, t.Bytes, t.LastMs, Printable.Escape(t.LastDetail))).ToList();
    }

    /// <summary>Unattached ids shown at most: the ones with the most refused messages in the window (a scan or a flood of unknown ids is cut here, with a line saying so).</summary>
    public const int MaxUnattachedIds = 100;

    /// <summary>
    /// Who may see the counters of ids that are no registered device (<c>/refused</c>, <c>GET /api/v1/refused?scope=unattached</c>):
    /// staff (no customer) operators and admins. Such an id belongs to no customer, and the rows reveal other tenants'
    /// ids (a decommissioned or cloned device's), probing and the broker's health, so no customer's user sees them,
    /// whatever the role; a staff viewer neither (the read-only role, and read tokens act as one): whoever investigates
    /// a scan or a cloned certificate is an operator, who can also act on what it finds.
    /// </summary>
    public static bool MaySeeUnattached(ConsoleUser? user) => user is { IsOperator: true, CustomerId: null };

    /// <summary>One unattached id and reason; id, reason and detail escaped with <see cref="Printable.Escape"/> (the id is a topic's or a client's, the detail a client's text).</summary>
    public sealed record UnattachedRow(string DeviceId, string Reason, long Count, long Bytes, long LastMs, string LastDetail);

    /// <summary>The rows shown, and what the caps left out: ids beyond <see cref="MaxUnattachedIds"/>, reasons beyond <see cref="MaxReasons"/> of the ids shown.</summary>
    public sealed record Unattached(IReadOnlyList<UnattachedRow> Rows, int IdsShown, long IdsNotShown, long ReasonsNotShown);

    /// <summary>The counters of ids that are no registered device in the same window as a device's (<see cref="LoadAsync"/>). The caller checked <see cref="MaySeeUnattached"/>.</summary>
    public static async Task<Unattached> LoadUnattachedAsync(SqlDialect dialect, long nowMs, CancellationToken cancellationToken)
    {
        long from = FleetStore.Hour(nowMs - (WindowDays * 86_400_000L));
        UnattachedCounters read = await new UnattachedCounterQueries(dialect).ReadAsync(from, MaxUnattachedIds, MaxReasons, cancellationToken);
        var ids = read.Rows.GroupBy(r => r.DeviceId, System.StringComparer.Ordinal).ToList();
        long reasonsNotShown = ids.Sum(g => g.First().ReasonsOfId - g.Count());
        return new Unattached(
            read.Rows.Select(t => new UnattachedRow(Printable.Escape(t.DeviceId), Printable.Escape(t.Reason), t.Count, t.Bytes, t.LastMs, Printable.Escape(t.LastDetail))).ToList(),
            ids.Count, read.IdsInWindow - ids.Count, reasonsNotShown);
    }
}
