using System;
using System.Collections.Generic;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// Per-device and per-customer ingest limits (docs/service.md, "Fair ingest"). A device may send <see cref="DeviceBurst"/>
/// messages at once and <see cref="DevicePerHour"/> per hour on average, all topics together: well above what the
/// firmware ever sends (health: 3 burst, 30 per hour; events and status a few), so only a device that is not running
/// our firmware as configured, or is glitching, reaches it. A customer's bucket holds <see cref="CustomerShare"/> of the
/// sum of its devices' buckets, so a whole misconfigured fleet of one customer cannot take everyone's capacity either.
/// </summary>
public sealed record FairLimits(int DeviceBurst = 60, int DevicePerHour = 720, double CustomerShare = 0.25)
{
    /// <summary>The customer's bucket: its share of its devices' buckets, never less than one device's.</summary>
    public (int Capacity, int PerHour) Customer(int devices)
    {
        int capacity = (int)Math.Min(int.MaxValue, Math.Max(DeviceBurst, Math.Ceiling(devices * (double)DeviceBurst * CustomerShare)));
        int perHour = (int)Math.Min(int.MaxValue, Math.Max(DevicePerHour, Math.Ceiling(devices * (double)DevicePerHour * CustomerShare)));
        return (capacity, perHour);
    }
}

/// <summary>The outcome of <see cref="FairLimiter.TryAdmit"/>.</summary>
public enum Admission
{
    Admitted,
    DeviceLimited,
    CustomerLimited,
}

/// <summary>
/// The token buckets of <see cref="FairLimits"/>: the core's token bucket (integer arithmetic, monotonic milliseconds,
/// starts full) through <see cref="RateBucket"/>, which takes any rate. Not thread-safe: the ingest writer owns it. Buckets of quiet devices are dropped by
/// <see cref="Evict"/> (a dropped bucket comes back full, which is what it would have refilled to), so memory follows the
/// devices that are sending, not the fleet.
/// </summary>
public sealed class FairLimiter
{
    private readonly Dictionary<string, RateBucket> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (RateBucket Bucket, int Devices)> _customers = new(StringComparer.Ordinal);

    public FairLimiter(FairLimits limits) => Limits = limits;

    public FairLimits Limits { get; }

    /// <summary>Buckets held (devices, customers).</summary>
    public (int Devices, int Customers) Size => (_devices.Count, _customers.Count);

    /// <summary>
    /// Takes a token from the device's bucket, then from its customer's (a device without an owner has no customer
    /// bucket). A message refused by its device's bucket costs its customer nothing.
    /// </summary>
    public Admission TryAdmit(string deviceId, string? customerId, int customerDevices, long nowMs)
    {
        if (!_devices.TryGetValue(deviceId, out RateBucket? device))
        {
            device = new RateBucket(Limits.DeviceBurst, Limits.DevicePerHour);
            _devices[deviceId] = device;
        }

        if (!device.TryTake(nowMs))
        {
            return Admission.DeviceLimited;
        }

        if (customerId == null)
        {
            return Admission.Admitted;
        }

        var (capacity, perHour) = Limits.Customer(Math.Max(1, customerDevices));
        if (!_customers.TryGetValue(customerId, out var customer))
        {
            customer = (new RateBucket(capacity, perHour), customerDevices);
            _customers[customerId] = customer;
        }
        else if (customer.Devices != customerDevices)
        {
            customer.Bucket.Configure(capacity, perHour);
            _customers[customerId] = (customer.Bucket, customerDevices);
        }

        return customer.Bucket.TryTake(nowMs) ? Admission.Admitted : Admission.CustomerLimited;
    }

    /// <summary>Drops the buckets that are full again at <paramref name="nowMs"/>; how many were dropped.</summary>
    public int Evict(long nowMs)
    {
        int dropped = 0;
        foreach (var (id, bucket) in new List<KeyValuePair<string, RateBucket>>(_devices))
        {
            if (bucket.Full(nowMs))
            {
                _devices.Remove(id);
                dropped++;
            }
        }

        foreach (var (id, customer) in new List<KeyValuePair<string, (RateBucket Bucket, int Devices)>>(_customers))
        {
            if (customer.Bucket.Full(nowMs))
            {
                _customers.Remove(id);
                dropped++;
            }
        }

        return dropped;
    }
}
