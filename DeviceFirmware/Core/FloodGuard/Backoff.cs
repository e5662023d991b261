namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// The delay arithmetic, pure: callers pass the attempt number and a random value (as FreeRTOS's backoffAlgorithm does),
    /// so schedules are reproducible in tests and simulations. All results are milliseconds.
    /// </summary>
    public static class Backoff
    {
        /// <summary>min(<paramref name="capMs"/>, <paramref name="baseMs"/>·2^<paramref name="attempt"/>), without overflow for any attempt.</summary>
        public static long CeilingMs(int attempt, long baseMs, long capMs)
        {
            long ceiling = baseMs;
            for (int i = 0; i < attempt && ceiling < capMs; i++)
            {
                ceiling *= 2;
            }

            return ceiling > capMs ? capMs : ceiling;
        }

        /// <summary>
        /// Full jitter with a floor: uniform in [<paramref name="floorMs"/>, max(floor, <paramref name="ceilingMs"/>)] from
        /// <paramref name="random"/>.
        /// </summary>
        public static long FullJitterMs(long ceilingMs, long floorMs, uint random)
        {
            return Between(floorMs, ceilingMs < floorMs ? floorMs : ceilingMs, random);
        }

        /// <summary>Uniform in [<paramref name="lowMs"/>, <paramref name="highMs"/>] from <paramref name="random"/> (high ≥ low ≥ 0).</summary>
        public static long Between(long lowMs, long highMs, uint random)
        {
            long span = highMs - lowMs;
            if (span <= 0)
            {
                return lowMs;
            }

            // Two random words would remove the modulo bias; for spans far below 2^32 it is under 1e-3 and irrelevant here.
            return lowMs + (long)(random % (ulong)(span + 1));
        }
    }
}
