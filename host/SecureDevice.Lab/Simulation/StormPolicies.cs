using System;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Lab.Simulation;

/// <summary>A reconnect behaviour under test in the storm simulation; one instance per device.</summary>
public interface IStormDevice
{
    /// <summary>The connection was lost at <paramref name="nowMs"/>; returns the time of the first attempt.</summary>
    long OnDisconnected(long nowMs);

    /// <summary>The attempt at <paramref name="nowMs"/> failed (the broker was down, or refused with a rate hint); returns the next attempt time.</summary>
    long OnFailed(long nowMs, bool brokerAskedToSlowDown);
}

/// <summary>The policies compared in the storm: SecureDevice's (the portable core) and three common ones.</summary>
public static class StormPolicies
{
    public const string SecureDevice = "securedevice";
    public const string Fixed10 = "fixed 10 s";
    public const string Fixed1 = "fixed 1 s";
    public const string FullJitter = "full jitter 0.5 s/5 s";

    public static readonly string[] All = { SecureDevice, Fixed10, Fixed1, FullJitter };

    /// <summary>A device that has been connected and stable, using <paramref name="policy"/>.</summary>
    public static IStormDevice Create(string policy, SeededRandom random) => policy switch
    {
        SecureDevice => new CoreDevice(random),
        Fixed10 => new FixedDevice(10_000),
        Fixed1 => new FixedDevice(1_000),
        FullJitter => new FullJitterDevice(random, 500, 5_000),
        _ => throw new ArgumentException("unknown policy " + policy),
    };

    /// <summary>Runs the core's <see cref="ReconnectPolicy"/>, as the connection manager does.</summary>
    private sealed class CoreDevice : IStormDevice
    {
        private const long Utc = 1795341600;
        private readonly ReconnectPolicy _policy = new(new BackoffConfig());
        private readonly SeededRandom _random;
        private readonly long _offsetMs;

        public CoreDevice(SeededRandom random)
        {
            _random = random;

            // The device booted long ago and has been stable; its monotonic clock is ahead of simulation time by _offsetMs.
            _offsetMs = 10_000_000;
            _policy.OnBoot(0, Utc, random.NextUInt());
            _policy.OnConnected(0);
            _policy.Tick(_offsetMs);
        }

        public long OnDisconnected(long nowMs)
        {
            _policy.OnDisconnected(nowMs + _offsetMs, _random.NextUInt());
            return _policy.NextAttemptMs - _offsetMs;
        }

        public long OnFailed(long nowMs, bool brokerAskedToSlowDown)
        {
            _policy.TryBeginAttempt(nowMs + _offsetMs);
            _policy.OnAttemptFailed(nowMs + _offsetMs, brokerAskedToSlowDown ? ConnectFailure.Throttled : ConnectFailure.Network, _random.NextUInt());
            return _policy.NextAttemptMs - _offsetMs;
        }
    }

    /// <summary>Retry every interval, no jitter (esp-mqtt's default is 10 s).</summary>
    private sealed class FixedDevice : IStormDevice
    {
        private readonly long _intervalMs;

        public FixedDevice(long intervalMs) => _intervalMs = intervalMs;

        public long OnDisconnected(long nowMs) => nowMs + _intervalMs;

        public long OnFailed(long nowMs, bool brokerAskedToSlowDown) => nowMs + _intervalMs;
    }

    /// <summary>AWS-style full jitter: immediate first attempt, then uniform(0, min(cap, base·2^n)).</summary>
    private sealed class FullJitterDevice : IStormDevice
    {
        private readonly SeededRandom _random;
        private readonly long _baseMs;
        private readonly long _capMs;
        private int _failures;

        public FullJitterDevice(SeededRandom random, long baseMs, long capMs)
        {
            _random = random;
            _baseMs = baseMs;
            _capMs = capMs;
        }

        public long OnDisconnected(long nowMs)
        {
            _failures = 0;
            return nowMs;
        }

        public long OnFailed(long nowMs, bool brokerAskedToSlowDown)
        {
            long ceiling = Backoff.CeilingMs(_failures++, _baseMs, _capMs);
            return nowMs + 1 + _random.Next(ceiling);
        }
    }
}
