using System;
using System.Collections.Generic;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>A summary alert: what was held back for one customer in one window.</summary>
public sealed record AlertSummary(string CustomerId, DateTimeOffset WindowStart, DateTimeOffset WindowEnd, int Count, IReadOnlyDictionary<string, int> Kinds, IReadOnlyList<string> Devices, int DevicesOmitted);

/// <summary>
/// Per-customer alert rate (no alert storms): in each window of <see cref="Window"/> from a customer's first alert, the
/// first <see cref="PerWindow"/> go out one by one; the rest are counted (per kind, and up to <see cref="MaxListedDevices"/>
/// device ids) into one summary, due when the window ends. A burst of any size thus becomes at most
/// <see cref="PerWindow"/> alerts and one summary per window. Pure (time passed in); memory is bounded per customer.
/// </summary>
public sealed class CustomerRateLimiter
{
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Alerts sent one by one per window: 3.</summary>
    public int PerWindow { get; init; } = 3;

    /// <summary>The window: 10 minutes.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Device ids listed in a summary: 20 (the rest are counted).</summary>
    public int MaxListedDevices { get; init; } = 20;

    /// <summary>True when the alert may go out now; false when it was counted into the customer's summary.</summary>
    public bool TryPass(string customerId, string? deviceId, string kind, DateTimeOffset now)
    {
        if (TryReserve(customerId, now))
        {
            return true;
        }

        Hold(customerId, deviceId, kind, now);
        return false;
    }

    /// <summary>
    /// Takes one of the customer's one-by-one slots of the window if one is left (true), like <see cref="TryPass"/>, but
    /// when over the rate counts nothing (false): the caller counts the alert into the summary with <see cref="Hold(string, string?, string, DateTimeOffset)"/>
    /// once it is sure the alert stands (an action's alert, once the action's record committed done).
    /// </summary>
    public bool TryReserve(string customerId, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(customerId, out Bucket? bucket) || now >= bucket.Start + Window)
        {
            if (bucket is { Held: > 0 })
            {
                // A summary not yet taken stays due; a new window starts after it.
                return false;
            }

            _buckets[customerId] = bucket = new Bucket(now);
        }

        if (bucket.Sent < PerWindow)
        {
            bucket.Sent++;
            return true;
        }

        return false;
    }

    /// <summary>
    /// Counts an alert into the customer's summary (after <see cref="TryReserve"/> said it is over the rate). If the
    /// window's summary was taken meanwhile, a new window starts now and the alert waits for its summary.
    /// </summary>
    public void Hold(string customerId, string? deviceId, string kind, DateTimeOffset now)
    {
        if (!_buckets.TryGetValue(customerId, out Bucket? bucket))
        {
            _buckets[customerId] = bucket = new Bucket(now);
        }

        Hold(bucket, deviceId, kind);
    }

    /// <summary>Summaries whose window has ended (each taken once); their customers start a fresh window.</summary>
    public IReadOnlyList<AlertSummary> TakeDue(DateTimeOffset now)
    {
        var due = new List<AlertSummary>();
        var finished = new List<string>();
        foreach ((string customer, Bucket bucket) in _buckets)
        {
            if (now < bucket.Start + Window)
            {
                continue;
            }

            if (bucket.Held > 0)
            {
                due.Add(new AlertSummary(customer, bucket.Start, bucket.Start + Window, bucket.Held, new Dictionary<string, int>(bucket.Kinds), bucket.Devices.ToArray(), bucket.DevicesOmitted));
            }

            finished.Add(customer);
        }

        foreach (string customer in finished)
        {
            _buckets.Remove(customer);
        }

        return due;
    }

    /// <summary>Puts a summary back (the queue was full): it is offered again at the next <see cref="TakeDue"/>.</summary>
    public void Return(AlertSummary summary)
    {
        var bucket = new Bucket(summary.WindowStart) { Sent = PerWindow, Held = summary.Count, DevicesOmitted = summary.DevicesOmitted };
        foreach ((string kind, int count) in summary.Kinds)
        {
            bucket.Kinds[kind] = count;
        }

        bucket.Devices.AddRange(summary.Devices);
        _buckets[summary.CustomerId] = bucket;
    }

    private bool Hold(Bucket bucket, string? deviceId, string kind)
    {
        bucket.Held++;
        bucket.Kinds[kind] = bucket.Kinds.GetValueOrDefault(kind) + 1;
        if (deviceId != null && !bucket.Devices.Contains(deviceId))
        {
            if (bucket.Devices.Count < MaxListedDevices)
            {
                bucket.Devices.Add(deviceId);
            }
            else
            {
                bucket.DevicesOmitted++;
            }
        }

        return false;
    }

    private sealed class Bucket(DateTimeOffset start)
    {
        public DateTimeOffset Start { get; } = start;

        public int Sent { get; set; }

        public int Held { get; set; }

        public Dictionary<string, int> Kinds { get; } = new(StringComparer.Ordinal);

        public List<string> Devices { get; } = new();

        public int DevicesOmitted { get; set; }
    }
}
