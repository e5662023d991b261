using System;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>
/// When to try a failed delivery again: exponential backoff with full jitter (a uniform wait between
/// <see cref="Floor"/> and min(<see cref="Cap"/>, <see cref="Base"/> · 2^(n−1)) after the n-th failure), given up after
/// <see cref="MaxAttempts"/> attempts (the dead letter). Pure: the random value is passed in.
/// </summary>
public sealed record RetryPolicy
{
    /// <summary>30 s: the first retry comes within half a minute.</summary>
    public TimeSpan Base { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>1 h: no wait is longer.</summary>
    public TimeSpan Cap { get; init; } = TimeSpan.FromHours(1);

    /// <summary>1 s: never hammer a receiver.</summary>
    public TimeSpan Floor { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>8 attempts: with the defaults the last is on average about 1 h 10 min after the first, at most 2 h 8 min.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The wait after failed attempt number <paramref name="attempts"/> (1-based); <paramref name="random"/> is uniform in [0, 1).</summary>
    public TimeSpan Delay(int attempts, double random)
    {
        double ceiling = Base.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        ceiling = Math.Min(ceiling, Cap.TotalMilliseconds);
        double floor = Math.Min(Floor.TotalMilliseconds, ceiling);
        return TimeSpan.FromMilliseconds(floor + ((ceiling - floor) * Math.Clamp(random, 0, 1)));
    }
}
