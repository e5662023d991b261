namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// The one copy of a server throttle command's state (docs/flood-guard.md "Throttle"): until when, and the shortest
    /// interval it imposes. The reconnect policy lengthens its waits with it and persists it in its record; the publish
    /// limiter paces every class with the same window, so a throttle that survives a reboot slows publishing as well as
    /// reconnecting. Durations are bounded by the maximum given at construction (<see cref="BackoffConfig.MaxThrottleMs"/>).
    /// Not thread-safe: the agent's loop owns it.
    /// </summary>
    public sealed class ThrottleWindow
    {
        private readonly long _maxMs;
        private long _untilUtc = -1;
        private long _untilMs = long.MinValue;
        private long _minIntervalMs;
        private int _changes;
        private long _changedAtMs;

        /// <summary>A window bounded to <paramref name="maxMs"/> (≥ 1) ms of duration and interval; none in force.</summary>
        public ThrottleWindow(long maxMs)
        {
            if (maxMs < 1)
            {
                throw new System.ArgumentOutOfRangeException("maxMs");
            }

            _maxMs = maxMs;
        }

        /// <summary>End of the throttle, Unix seconds; -1 when none was ever applied.</summary>
        public long UntilUtc
        {
            get { return _untilUtc; }
        }

        /// <summary>Shortest interval between connection attempts (and between messages), ms; 0 when none.</summary>
        public long MinIntervalMs
        {
            get { return _minIntervalMs; }
        }

        /// <summary>
        /// Messages per hour the interval allows, at least 1: 3,600,000 / <see cref="MinIntervalMs"/>. Exact for every
        /// command rate up to 1,897 per hour (the interval is whole milliseconds); above that it may read one more per hour,
        /// which changes nothing, since every class budget is lower (docs/flood-guard.md).
        /// </summary>
        public int RatePerHour
        {
            get
            {
                if (_minIntervalMs <= 0)
                {
                    return TokenBucket.MaxPerHour;
                }

                long rate = 3600000L / _minIntervalMs;
                return rate < 1 ? 1 : (int)rate;
            }
        }

        /// <summary>Counts changes (apply or restore at boot), so a follower (the publish limiter) knows to re-pace.</summary>
        public int Changes
        {
            get { return _changes; }
        }

        /// <summary>Monotonic time of the last change, ms.</summary>
        public long ChangedAtMs
        {
            get { return _changedAtMs; }
        }

        /// <summary>True while a throttle is in force.</summary>
        public bool InForce(long nowMs)
        {
            return nowMs < _untilMs;
        }

        /// <summary>
        /// Applies a command: until <paramref name="untilUtc"/> (Unix seconds, as of <paramref name="utcSeconds"/>), nothing
        /// closer than <paramref name="minIntervalMs"/>. Both bounded to the window's maximum; a later command replaces an
        /// earlier one (the service's lift is a short command).
        /// </summary>
        public void Apply(long nowMs, long utcSeconds, long minIntervalMs, long untilUtc)
        {
            long duration = Clamp((untilUtc - utcSeconds) * 1000, 0, _maxMs);
            _minIntervalMs = Clamp(minIntervalMs, 0, _maxMs);
            _untilMs = nowMs + duration;
            _untilUtc = utcSeconds + (duration / 1000);
            Changed(nowMs);
        }

        /// <summary>A wait of <paramref name="waitMs"/>, lengthened to the interval while the throttle is in force; never shortened.</summary>
        public long Lengthen(long nowMs, long waitMs)
        {
            if (nowMs < _untilMs && waitMs < _minIntervalMs)
            {
                return _minIntervalMs;
            }

            return waitMs;
        }

        /// <summary>Takes the persisted end and interval (bounded as when applied); in force only from <see cref="OnBoot"/>.</summary>
        public void Restore(long untilUtc, long minIntervalMs)
        {
            _untilUtc = untilUtc;
            _minIntervalMs = Clamp(minIntervalMs, 0, _maxMs);
        }

        /// <summary>
        /// At boot: a restored throttle whose end is still ahead of the wall clock is in force again, for what is left of it
        /// (at most the maximum). Without wall-clock time nothing is restored: the end cannot be placed.
        /// </summary>
        public void OnBoot(long nowMs, long utcSeconds)
        {
            if (_untilUtc >= 0 && utcSeconds >= 0 && _untilUtc > utcSeconds)
            {
                _untilMs = nowMs + Clamp((_untilUtc - utcSeconds) * 1000, 0, _maxMs);
                Changed(nowMs);
            }
        }

        private void Changed(long nowMs)
        {
            _changes++;
            _changedAtMs = nowMs;
        }

        private static long Clamp(long value, long minimum, long maximum)
        {
            return value < minimum ? minimum : value > maximum ? maximum : value;
        }
    }
}
