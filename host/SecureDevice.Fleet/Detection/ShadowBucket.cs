using System;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// A token bucket the service keeps for a device, mirroring one of the firmware's own limits with a margin
/// (docs/detection.md, "Limits"). The firmware cannot send faster than its own bucket allows, so a device that overdraws
/// the shadow (larger, faster) bucket is glitching or is not running this firmware. Debt is capped at one bucket, so a
/// device that stops recovers within one refill of the capacity. Mutable struct, 8 bytes.
/// </summary>
public struct ShadowBucket
{
    private float _tokens;
    private bool _started;

    /// <summary>Tokens now (negative: overdrawn).</summary>
    public readonly double Tokens => _tokens;

    /// <summary>
    /// Refills for <paramref name="seconds"/> at <paramref name="perHour"/>, up to <paramref name="capacity"/>, then spends
    /// <paramref name="spent"/>. A new bucket starts full.
    /// </summary>
    /// <returns>True when the bucket is overdrawn after spending.</returns>
    public bool Spend(double spent, double seconds, double capacity, double perHour)
    {
        double tokens = _started ? _tokens : capacity;
        _started = true;
        tokens = Math.Min(capacity, tokens + (Math.Max(0, seconds) * perHour / 3600));
        tokens -= spent;
        _tokens = (float)Math.Clamp(tokens, -capacity, capacity);
        return tokens < 0;
    }

    /// <summary>For persistence.</summary>
    public readonly (float Tokens, bool Started) Save() => (_tokens, _started);

    /// <summary>Restores what <see cref="Save"/> gave.</summary>
    public static ShadowBucket Load(float tokens, bool started) => new() { _tokens = tokens, _started = started };
}
