using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Storage;

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
}
