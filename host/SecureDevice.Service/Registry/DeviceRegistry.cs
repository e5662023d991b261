using System;
using System.Collections.Generic;
using System.Threading;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Registry;

/// <summary>
/// The registry as ingest reads it: an immutable snapshot of the devices table (which follows the PKI inventory),
/// swapped whole on every reload, so a lookup never sees half a reload and never takes a lock.
/// </summary>
public sealed class DeviceRegistry
{
    private Snapshot _snapshot = new(new Dictionary<string, DeviceRecord>(StringComparer.Ordinal), new Dictionary<string, int>(StringComparer.Ordinal), 0);

    /// <summary>Devices in the registry (removed ones included).</summary>
    public int Count => Volatile.Read(ref _snapshot).Devices.Count;

    /// <summary>Snapshots taken so far (0 before the first load).</summary>
    public long Version => Volatile.Read(ref _snapshot).Version;

    /// <summary>The device whose certificate CN (and topic level) is exactly <paramref name="deviceId"/>.</summary>
    public bool TryGet(string deviceId, out DeviceRecord device) => Volatile.Read(ref _snapshot).Devices.TryGetValue(deviceId, out device!);

    /// <summary>Every device of the current snapshot (removed ones included); a later reload does not change what this returns.</summary>
    public IReadOnlyCollection<DeviceRecord> Devices => Volatile.Read(ref _snapshot).Devices.Values;

    /// <summary>Active and revoked devices a customer owns (what its fair share is sized by).</summary>
    public int DevicesOf(string customerId) => Volatile.Read(ref _snapshot).Customers.TryGetValue(customerId, out int count) ? count : 0;

    /// <summary>Devices by status ("active", "revoked", "removed").</summary>
    public IReadOnlyDictionary<string, int> CountByStatus()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal) { ["active"] = 0, ["revoked"] = 0, ["removed"] = 0 };
        foreach (DeviceRecord device in Volatile.Read(ref _snapshot).Devices.Values)
        {
            counts[device.Status] = counts.GetValueOrDefault(device.Status) + 1;
        }

        return counts;
    }

    /// <summary>Replaces the snapshot with <paramref name="devices"/>.</summary>
    public void Replace(IReadOnlyList<DeviceRecord> devices)
    {
        var byId = new Dictionary<string, DeviceRecord>(devices.Count, StringComparer.Ordinal);
        var customers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (DeviceRecord device in devices)
        {
            byId[device.DeviceId] = device;
            if (device.CustomerId != null && device.Status != "removed")
            {
                customers[device.CustomerId] = customers.GetValueOrDefault(device.CustomerId) + 1;
            }
        }

        Snapshot old = Volatile.Read(ref _snapshot);
        Volatile.Write(ref _snapshot, new Snapshot(byId, customers, old.Version + 1));
    }

    private sealed record Snapshot(Dictionary<string, DeviceRecord> Devices, Dictionary<string, int> Customers, long Version);
}
