using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Updates;

/// <summary>
/// One rollout as a user may see it: its devices and what the broker answered, the events its devices reported since
/// (newest first), each device's newest update event's fields (the rollout's progress at a glance), and for a staged
/// rollout its wave state (schema step 7). The page
/// <c>/updates/{id}</c> and the API <c>GET /api/v1/rollouts/{id}</c> both read it from here.
/// </summary>
public sealed record RolloutView(
    RolloutRecord Rollout, IReadOnlyList<RolloutDeviceRecord> Devices, IReadOnlyList<EventRecord> Events, IReadOnlyDictionary<string, EventFields> Latest, WaveRecord? Waves)
{
    /// <summary>Newest events read at most.</summary>
    public const int MaxEvents = 500;

    /// <summary>Null for another tenant's rollout, exactly as for a missing one.</summary>
    public static async Task<RolloutView?> LoadAsync(UpdateOffers offers, IFleetStore fleet, ConsoleUser user, long id, CancellationToken cancellationToken)
    {
        RolloutRecord? rollout = id > 0 ? await offers.Rollouts.GetAsync(id, user.CustomerId, cancellationToken).ConfigureAwait(false) : null;
        if (rollout == null)
        {
            return null;
        }

        // Belt and braces: a device that moved to another customer since the rollout is not shown to this tenant.
        HashSet<string> visible = (await fleet.ListDevicesAsync(cancellationToken).ConfigureAwait(false)).Where(user.CanSee).Select(d => d.DeviceId).ToHashSet(StringComparer.Ordinal);
        List<RolloutDeviceRecord> devices = (await offers.Rollouts.DevicesAsync(id, cancellationToken).ConfigureAwait(false)).Where(d => visible.Contains(d.DeviceId)).ToList();
        List<EventRecord> events = (await offers.Rollouts.EventsAsync(rollout, MaxEvents, cancellationToken).ConfigureAwait(false)).Where(e => visible.Contains(e.DeviceId)).ToList();
        Dictionary<string, EventFields> latest = events.Where(e => e.Kind == "update").GroupBy(e => e.DeviceId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => EventFields.Parse(g.First().Payload), StringComparer.Ordinal);
        return new RolloutView(rollout, devices, events, latest, await offers.Waves.GetAsync(id, cancellationToken).ConfigureAwait(false));
    }
}
