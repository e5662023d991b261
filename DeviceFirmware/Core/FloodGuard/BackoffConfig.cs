namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// The reconnect policy's parameters, all in milliseconds unless named otherwise. The defaults meet the flood-guard
    /// targets (docs/flood-guard.md): a device whose connection always fails makes about 17 attempts in its first hour and
    /// 8 per hour afterwards; 10,000 devices returning from a 10-minute outage to a broker admitting 500 CONNECT/s reach
    /// 99 % connected in under 30 s with almost no refused attempt.
    /// </summary>
    public sealed class BackoffConfig
    {
        /// <summary>Creates the defaults.</summary>
        public BackoffConfig()
        {
            BaseMs = 1000;
            CapMs = 900000;
            FloorMs = 1000;
            BootWindowMs = 30000;
            DisconnectWindowMs = 30000;
            StableAfterMs = 300000;
            FastPhaseMs = 900000;
            FastMinMs = 20000;
            FastMaxMs = 30000;
            AuthBaseMs = 900000;
            AuthCapMs = 86400000;
            ThrottleMinMs = 60000;
            MaxThrottleMs = 86400000;
            BootLoopBoots = 5;
            BootLoopWindowSeconds = 900;
            SafeMinMs = 1800000;
            SafeMaxMs = 3600000;
        }

        /// <summary>Exponential base: attempt n may wait up to min(<see cref="CapMs"/>, base·2^n). Default 1 s.</summary>
        public long BaseMs { get; set; }

        /// <summary>Longest ordinary wait between attempts. Default 900 s (mean wait at the cap 450 s).</summary>
        public long CapMs { get; set; }

        /// <summary>Shortest wait after any failure. Default 1 s.</summary>
        public long FloorMs { get; set; }

        /// <summary>The first attempt after boot is spread uniformly over this window. Default 30 s.</summary>
        public long BootWindowMs { get; set; }

        /// <summary>The first attempt after losing a connection is spread uniformly over this window. Default 30 s.</summary>
        public long DisconnectWindowMs { get; set; }

        /// <summary>A connection counts as stable, and resets the backoff, after this long. Default 5 min.</summary>
        public long StableAfterMs { get; set; }

        /// <summary>After a stable connection is lost, attempts for this long wait only <see cref="FastMinMs"/>..<see cref="FastMaxMs"/>. Default 15 min.</summary>
        public long FastPhaseMs { get; set; }

        /// <summary>Shortest wait in the fast phase. Default 20 s.</summary>
        public long FastMinMs { get; set; }

        /// <summary>Longest wait in the fast phase. Default 30 s.</summary>
        public long FastMaxMs { get; set; }

        /// <summary>First authentication cool-down; doubles with each consecutive authentication failure. Default 15 min.</summary>
        public long AuthBaseMs { get; set; }

        /// <summary>Longest authentication cool-down. Default 24 h.</summary>
        public long AuthCapMs { get; set; }

        /// <summary>Shortest wait after the broker asked to slow down. Default 60 s.</summary>
        public long ThrottleMinMs { get; set; }

        /// <summary>Longest wait a server hint or throttle command can impose. Default 24 h.</summary>
        public long MaxThrottleMs { get; set; }

        /// <summary>Boots without a stable connection that trigger safe mode. Default 5.</summary>
        public int BootLoopBoots { get; set; }

        /// <summary>...when they happen within this many seconds (wall clock). Default 900.</summary>
        public long BootLoopWindowSeconds { get; set; }

        /// <summary>Shortest wait between attempts in safe mode. Default 30 min.</summary>
        public long SafeMinMs { get; set; }

        /// <summary>Longest wait between attempts in safe mode. Default 60 min.</summary>
        public long SafeMaxMs { get; set; }

        /// <summary>Throws when the values contradict each other (a configuration bug).</summary>
        /// <exception cref="System.ArgumentException">A value is out of range.</exception>
        public void Validate()
        {
            Require(BaseMs >= 1 && FloorMs >= 1 && FloorMs <= CapMs && BaseMs <= CapMs, "BaseMs/FloorMs/CapMs");
            Require(BootWindowMs >= 0 && DisconnectWindowMs >= 0, "windows");
            Require(StableAfterMs >= 1000, "StableAfterMs");
            Require(FastPhaseMs >= 0 && FastMinMs >= FloorMs && FastMaxMs >= FastMinMs, "fast phase");
            Require(AuthBaseMs >= FloorMs && AuthCapMs >= AuthBaseMs, "authentication cool-down");
            Require(ThrottleMinMs >= FloorMs && MaxThrottleMs >= ThrottleMinMs, "throttle");
            Require(BootLoopBoots >= 2 && BootLoopWindowSeconds >= 1, "boot loop");
            Require(SafeMinMs >= FloorMs && SafeMaxMs >= SafeMinMs, "safe mode");
        }

        private static void Require(bool condition, string what)
        {
            if (!condition)
            {
                throw new System.ArgumentException("invalid backoff configuration: " + what);
            }
        }
    }
}
