namespace SecureDevice.Core.FloodGuard
{
    /// <summary>A validated server throttle command (docs/flood-guard.md): at most <see cref="RatePerHour"/> until <see cref="UntilUtc"/>.</summary>
    public sealed class ThrottleCommand
    {
        internal ThrottleCommand(int ratePerHour, long untilUtc)
        {
            RatePerHour = ratePerHour;
            UntilUtc = untilUtc;
        }

        /// <summary>Most messages per hour, and most connection attempts per hour, 1..3600.</summary>
        public int RatePerHour { get; private set; }

        /// <summary>End of the throttle, Unix seconds.</summary>
        public long UntilUtc { get; private set; }

        /// <summary>Shortest interval between connection attempts implied by the rate, ms.</summary>
        public long MinIntervalMs
        {
            get { return 3600000L / RatePerHour; }
        }
    }
}
