using System;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// The core's <see cref="TokenBucket"/> for any rate. The core bucket refills one token per whole millisecond at most
/// (3,600,000 per hour: past that its refill interval would be 0 ms); a customer's share of a large fleet is far more.
/// So each core token here stands for <see cref="Scale"/> messages: the average rate is exact, and a burst is rounded
/// down to a multiple of the scale (never below one core token).
/// </summary>
public sealed class RateBucket
{
    /// <summary>The most tokens per hour one core token per millisecond gives.</summary>
    public const long CorePerHourMax = 3_600_000;

    private TokenBucket? _bucket;
    private int _spare;

    public RateBucket(int capacity, int perHour) => Configure(capacity, perHour);

    /// <summary>Messages one core token stands for (1 up to 3,600,000 per hour).</summary>
    public int Scale { get; private set; }

    /// <summary>Changes the limits, keeping what is left of the credit (at most the new capacity).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit below 1.</exception>
    public void Configure(int capacity, int perHour)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perHour, 1);
        int scale = (int)((perHour + CorePerHourMax - 1) / CorePerHourMax);
        int coreCapacity = Math.Max(1, capacity / scale);
        int corePerHour = Math.Max(1, perHour / scale);
        if (_bucket == null || scale != Scale)
        {
            _bucket = new TokenBucket(coreCapacity, corePerHour);
            _spare = 0;
        }
        else
        {
            _bucket.Configure(coreCapacity, corePerHour);
        }

        Scale = scale;
    }

    /// <summary>Takes one message's worth; false when the bucket is empty.</summary>
    public bool TryTake(long nowMs)
    {
        if (_spare > 0)
        {
            _spare--;
            return true;
        }

        if (!_bucket!.TryTake(nowMs))
        {
            return false;
        }

        _spare = Scale - 1;
        return true;
    }

    /// <summary>Whether the bucket has refilled completely (dropping it then loses nothing: a new one starts full).</summary>
    public bool Full(long nowMs) => _bucket!.Available(nowMs) >= _bucket.Capacity;
}
