namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// The health report's compute load, 0..100 % (docs/telemetry.md). nanoFramework exposes no CPU load, so an
    /// idle-priority probe thread counts loop iterations while it measures; the fewer it manages per millisecond, the more
    /// of the CPU something else took. This class holds the decisions, the adapter only counts:
    /// <list type="bullet">
    /// <item>Calibration: windows measured at boot with nothing else running (<see cref="Calibrate"/>); the fastest valid
    /// window is the idle rate, because anything else running can only slow the probe down.</item>
    /// <item>Smoothing: a report carries the mean over every window measured since the last published report
    /// (iterations and milliseconds summed, then divided), not the last window, so one busy moment cannot dominate.</item>
    /// <item>Validity: at least <see cref="MinimumSampleMs"/> measured since the last report, no more measured time than
    /// wall time passed, and a calibration; otherwise the value is absent. A mean faster than the idle rate means the
    /// calibration ran under load: the idle rate rises to it and the load reads 0.</item>
    /// </list>
    /// Readings are the probe's cumulative 32-bit counters since boot, calibration windows not included; differences are
    /// taken unsigned, so they may wrap. No allocation.
    /// </summary>
    public sealed class ComputeLoad
    {
        /// <summary>Shortest calibration window accepted, ms (shorter ones are dominated by clock granularity).</summary>
        public const int MinimumWindowMs = 200;

        /// <summary>Least measuring time since the last report that gives a value, ms.</summary>
        public const int MinimumSampleMs = 1000;

        /// <summary>Slowest idle rate accepted as a calibration, iterations per second (slower: the probe is not running).</summary>
        public const long MinimumIdleRate = 1000;

        private long _idleRate;
        private int _baseIterations;
        private int _baseMilliseconds;
        private int _lastIterations;
        private int _lastMilliseconds;
        private bool _hasLast;

        /// <summary>The idle rate, iterations per second, or 0 before a valid calibration.</summary>
        public long IdleRate
        {
            get { return _idleRate; }
        }

        /// <summary>
        /// One calibration window: <paramref name="iterations"/> counted in <paramref name="milliseconds"/> with nothing else
        /// running. The fastest valid window wins.
        /// </summary>
        /// <returns>False when the window is too short or too slow to be a calibration (it is then ignored).</returns>
        public bool Calibrate(long iterations, long milliseconds)
        {
            if (milliseconds < MinimumWindowMs || iterations < 1)
            {
                return false;
            }

            long rate = iterations * 1000 / milliseconds;
            if (rate < MinimumIdleRate)
            {
                return false;
            }

            _idleRate = rate > _idleRate ? rate : _idleRate;
            return true;
        }

        /// <summary>
        /// The load since the last <see cref="Commit"/> (since boot before the first) from the probe's cumulative reading,
        /// given the wall time that passed since then (ms).
        /// </summary>
        /// <returns>0..100, or -1 when absent (no calibration, too little measured, or more measured than wall time).</returns>
        public int Percent(int iterations, int milliseconds, long wallMs)
        {
            _lastIterations = iterations;
            _lastMilliseconds = milliseconds;
            _hasLast = true;
            long measured = (long)(uint)(milliseconds - _baseMilliseconds);
            long counted = (long)(uint)(iterations - _baseIterations);
            if (_idleRate == 0 || measured < MinimumSampleMs || measured > wallMs + MinimumSampleMs)
            {
                return -1;
            }

            long rate = counted * 1000 / measured;
            if (rate > _idleRate)
            {
                _idleRate = rate;
            }

            long busy = ((_idleRate - rate) * 100) + (_idleRate / 2);
            return (int)(busy / _idleRate);
        }

        /// <summary>The last reading was reported: the next value averages from there.</summary>
        public void Commit()
        {
            if (_hasLast)
            {
                _baseIterations = _lastIterations;
                _baseMilliseconds = _lastMilliseconds;
            }
        }
    }
}
