namespace SecureDevice.Core.Time
{
    /// <summary>
    /// Trust in the wall clock, which the adapters pass in as Unix seconds (-1 while unknown). The connection manager waits
    /// for it, the update engine checks expiry dates only with it, and the health sampler reports whether it is known.
    /// </summary>
    public static class WallTime
    {
        /// <summary>Earliest wall-clock time accepted as synchronised (2026-01-01): an unset RTC starts far before it.</summary>
        public const long MinimumPlausibleUtc = 1767225600;

        /// <summary>True when <paramref name="utcSeconds"/> is a synchronised wall-clock time.</summary>
        public static bool IsValid(long utcSeconds)
        {
            return utcSeconds >= MinimumPlausibleUtc;
        }
    }
}
