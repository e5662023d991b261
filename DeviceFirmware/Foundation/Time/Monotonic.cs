namespace SecureDevice.Core.Time
{
    /// <summary>
    /// Arithmetic on monotonic milliseconds (the adapter's Environment.TickCount64). The core never reads a clock: callers
    /// pass <c>nowMs</c>. Elapsed time is never negative, so a clock that steps backwards cannot produce a huge or negative
    /// wait.
    /// </summary>
    public static class Monotonic
    {
        /// <summary>Milliseconds from <paramref name="sinceMs"/> to <paramref name="nowMs"/>, or 0 if the clock went backwards.</summary>
        public static long Elapsed(long nowMs, long sinceMs)
        {
            long elapsed = nowMs - sinceMs;
            return elapsed < 0 ? 0 : elapsed;
        }

        /// <summary>Milliseconds from <paramref name="nowMs"/> until <paramref name="dueMs"/>, or 0 when it is due.</summary>
        public static long Until(long nowMs, long dueMs)
        {
            long remaining = dueMs - nowMs;
            return remaining < 0 ? 0 : remaining;
        }
    }
}
