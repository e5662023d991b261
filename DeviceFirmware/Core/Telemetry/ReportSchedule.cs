namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// When the next health report is due: at once after boot, then every interval ±10 % (uniform, from a random value,
    /// so a fleet does not report in lock-step), and at once on request (an anomaly). Monotonic time; a clock that steps
    /// backwards never postpones a report by more than one interval.
    /// </summary>
    public sealed class ReportSchedule
    {
        private readonly long _intervalMs;
        private long _dueMs;
        private bool _started;

        /// <summary>Creates a schedule with the nominal interval in seconds (60..86400).</summary>
        public ReportSchedule(int intervalSeconds)
        {
            if (intervalSeconds < 1 || intervalSeconds > 86400)
            {
                throw new System.ArgumentOutOfRangeException("intervalSeconds");
            }

            _intervalMs = intervalSeconds * 1000L;
        }

        /// <summary>True when the pending report was requested early.</summary>
        public bool Early { get; private set; }

        /// <summary>Starts the schedule: the boot report is due now.</summary>
        public void Start(long nowMs)
        {
            _dueMs = nowMs;
            _started = true;
        }

        /// <summary>Asks for a report now (an anomaly).</summary>
        public void RequestNow(long nowMs)
        {
            if (_dueMs > nowMs)
            {
                _dueMs = nowMs;
                Early = true;
            }
        }

        /// <summary>True when a report is due.</summary>
        public bool IsDue(long nowMs)
        {
            if (!_started)
            {
                return false;
            }

            if (_dueMs - nowMs > _intervalMs + (_intervalMs / 10))
            {
                // The clock went backwards: never wait longer than one jittered interval.
                _dueMs = nowMs + _intervalMs;
            }

            return nowMs >= _dueMs;
        }

        /// <summary>Milliseconds until the next report is due (0 when due).</summary>
        public long MillisecondsUntilDue(long nowMs)
        {
            return IsDue(nowMs) ? 0 : _dueMs - nowMs;
        }

        /// <summary>A report went out at <paramref name="nowMs"/>; the next is due in interval ±10 %.</summary>
        /// <returns>The wait chosen, ms.</returns>
        public long OnReported(long nowMs, uint random)
        {
            long jitter = _intervalMs / 10;
            long wait = _intervalMs - jitter + (long)(random % (ulong)((2 * jitter) + 1));
            _dueMs = nowMs + wait;
            Early = false;
            return wait;
        }
    }
}
