namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// Sends a repeated identical invalid sensor reading once and counts the repeats, so a stuck or broken sensor produces
    /// one event instead of one per sample. A valid reading, or a different invalid one, starts over. Tracks up to
    /// <see cref="MaxSensors"/> sensors; allocation-free after construction.
    /// </summary>
    public sealed class RepeatFilter
    {
        /// <summary>Sensors tracked (ids 0..MaxSensors-1).</summary>
        public const int MaxSensors = 8;

        private readonly bool[] _hasInvalid = new bool[MaxSensors];
        private readonly long[] _lastInvalid = new long[MaxSensors];
        private readonly int[] _repeats = new int[MaxSensors];

        /// <summary>Repeats suppressed since boot, all sensors.</summary>
        public int Suppressed { get; private set; }

        /// <summary>Repeats of the current invalid reading of <paramref name="sensor"/>.</summary>
        public int Repeats(int sensor)
        {
            Check(sensor);
            return _repeats[sensor];
        }

        /// <summary>An invalid reading <paramref name="raw"/> from <paramref name="sensor"/>: true when it should be reported.</summary>
        public bool ShouldReportInvalid(int sensor, long raw)
        {
            Check(sensor);
            if (_hasInvalid[sensor] && _lastInvalid[sensor] == raw)
            {
                _repeats[sensor]++;
                Suppressed++;
                return false;
            }

            _hasInvalid[sensor] = true;
            _lastInvalid[sensor] = raw;
            _repeats[sensor] = 0;
            return true;
        }

        /// <summary>A valid reading from <paramref name="sensor"/> ends its invalid streak.</summary>
        public void OnValid(int sensor)
        {
            Check(sensor);
            _hasInvalid[sensor] = false;
            _repeats[sensor] = 0;
        }

        private static void Check(int sensor)
        {
            if (sensor < 0 || sensor >= MaxSensors)
            {
                throw new System.ArgumentOutOfRangeException("sensor");
            }
        }
    }
}
