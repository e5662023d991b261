namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// The reboot-loop rule of the reconnect policy (docs/flood-guard.md): <see cref="BackoffConfig.BootLoopBoots"/>
    /// unplanned boots within <see cref="BackoffConfig.BootLoopWindowSeconds"/> of wall-clock time, without a stable
    /// connection in between, put the device in safe mode (long waits, telemetry only) until a connection is stable.
    /// Persisted by the policy's record. Not thread-safe.
    /// </summary>
    public sealed class BootLoopBreaker
    {
        private readonly BackoffConfig _config;
        private int _boots;
        private long _firstUnstableBootUtc = -1;
        private bool _safeMode;

        /// <summary>A breaker with no boot counted; <paramref name="config"/> is the policy's (already validated).</summary>
        public BootLoopBreaker(BackoffConfig config)
        {
            _config = config;
        }

        /// <summary>Boots counted in the current window.</summary>
        public int Boots
        {
            get { return _boots; }
        }

        /// <summary>Wall-clock time of the window's first boot, Unix seconds; -1 when none.</summary>
        public long FirstUnstableBootUtc
        {
            get { return _firstUnstableBootUtc; }
        }

        /// <summary>True in safe mode.</summary>
        public bool SafeMode
        {
            get { return _safeMode; }
        }

        /// <summary>Takes persisted state (already range-checked by the record reader).</summary>
        public void Restore(int boots, long firstUnstableBootUtc, bool safeMode)
        {
            _boots = boots;
            _firstUnstableBootUtc = firstUnstableBootUtc;
            _safeMode = safeMode;
        }

        /// <summary>
        /// Counts a boot at <paramref name="utcSeconds"/> (-1 when unknown); a <paramref name="planned"/> one (the firmware
        /// asked for it) is not counted, the breaker is there for crashes.
        /// </summary>
        /// <returns>True when this boot enters safe mode.</returns>
        public bool OnBoot(long utcSeconds, bool planned)
        {
            if (utcSeconds >= 0)
            {
                bool outsideWindow = _firstUnstableBootUtc < 0 || utcSeconds < _firstUnstableBootUtc
                    || utcSeconds - _firstUnstableBootUtc > _config.BootLoopWindowSeconds;
                if (outsideWindow)
                {
                    _firstUnstableBootUtc = utcSeconds;
                    _boots = 0;
                }
            }

            // Without wall-clock time a boot still counts: erring towards safe mode cannot flood anyone.
            _boots += planned ? 0 : 1;
            if (_safeMode || _boots < _config.BootLoopBoots)
            {
                return false;
            }

            _safeMode = true;
            return true;
        }

        /// <summary>A connection became stable: the loop is over.</summary>
        public void OnStable()
        {
            _boots = 0;
            _firstUnstableBootUtc = -1;
            _safeMode = false;
        }
    }
}
