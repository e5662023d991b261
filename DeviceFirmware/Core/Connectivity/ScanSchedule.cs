using SecureDevice.Core.Time;

namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// When the Wi-Fi adapter may start the next signal scan (a passive scan takes the radio off the joined channel for a
    /// few seconds, so scans are spaced by minutes). Only a scan that actually started counts: a scan the radio refused
    /// (busy, Wi-Fi not started) may be tried again after <see cref="RetryAfterRefusalMs"/>, instead of blocking signal
    /// readings for the whole interval. Pure; times are monotonic milliseconds, compared wrap-safely.
    /// </summary>
    public sealed class ScanSchedule
    {
        /// <summary>Wait after a refused scan, ms.</summary>
        public const long RetryAfterRefusalMs = 30000;

        private readonly long _intervalMs;
        private bool _started;
        private long _lastStartMs;
        private bool _refused;
        private long _refusedMs;

        /// <summary>A schedule with at least <paramref name="intervalMs"/> between two started scans (0 .. 1 day).</summary>
        public ScanSchedule(long intervalMs)
        {
            if (intervalMs < 0 || intervalMs > 86400000)
            {
                throw new System.ArgumentOutOfRangeException("intervalMs");
            }

            _intervalMs = intervalMs;
        }

        /// <summary>Scans started so far.</summary>
        public int Started { get; private set; }

        /// <summary>Scans the radio refused so far.</summary>
        public int Refused { get; private set; }

        /// <summary>True when a scan may be started at <paramref name="nowMs"/>.</summary>
        public bool Due(long nowMs)
        {
            if (_refused && Monotonic.Elapsed(nowMs, _refusedMs) < RetryAfterRefusalMs)
            {
                return false;
            }

            return !_started || Monotonic.Elapsed(nowMs, _lastStartMs) >= _intervalMs;
        }

        /// <summary>The scan started at <paramref name="nowMs"/>: the next one waits the full interval.</summary>
        public void OnStarted(long nowMs)
        {
            _started = true;
            _lastStartMs = nowMs;
            _refused = false;
            Started++;
        }

        /// <summary>The radio refused the scan at <paramref name="nowMs"/>: try again after <see cref="RetryAfterRefusalMs"/>.</summary>
        public void OnRefused(long nowMs)
        {
            _refused = true;
            _refusedMs = nowMs;
            Refused++;
        }
    }
}
