using SecureDevice.Core.Time;

namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// A token bucket in integer arithmetic: holds up to <see cref="Capacity"/> tokens and gains one every
    /// <see cref="RefillIntervalMs"/>. Starts full. Time comes in as monotonic milliseconds; no allocation.
    /// </summary>
    public sealed class TokenBucket
    {
        // Credit is kept in milliseconds of refill time, so integer arithmetic loses nothing: one token = RefillIntervalMs.
        private long _creditMs;
        private long _lastMs;
        private bool _started;

        /// <summary>Creates a bucket of <paramref name="capacity"/> (≥ 1) tokens refilled at <paramref name="perHour"/> (1 to <see cref="MaxPerHour"/>) tokens per hour.</summary>
        public TokenBucket(int capacity, int perHour)
        {
            Configure(capacity, perHour);
            _creditMs = capacity * RefillIntervalMs;
        }

        /// <summary>Fastest rate: one token per millisecond.</summary>
        public const int MaxPerHour = 3600000;

        /// <summary>Largest number of tokens held.</summary>
        public int Capacity { get; private set; }

        /// <summary>Milliseconds per token.</summary>
        public long RefillIntervalMs { get; private set; }

        /// <summary>
        /// Changes capacity and rate, keeping the current whole tokens and the time already waited towards the next one
        /// (both clamped to the new capacity), so that a new rate never forgets how long ago the last token went.
        /// </summary>
        public void Configure(int capacity, int perHour)
        {
            // One token per millisecond at most: a faster rate would make the refill interval 0 (and every division by it fail).
            if (capacity < 1 || perHour < 1 || perHour > MaxPerHour)
            {
                throw new System.ArgumentOutOfRangeException("capacity");
            }

            long tokens = RefillIntervalMs > 0 ? _creditMs / RefillIntervalMs : 0;
            long waited = RefillIntervalMs > 0 ? _creditMs % RefillIntervalMs : 0;
            Capacity = capacity;
            RefillIntervalMs = 3600000L / perHour;
            long full = capacity * RefillIntervalMs;
            long credit = (tokens > capacity ? capacity : tokens) * RefillIntervalMs + waited;
            _creditMs = credit > full ? full : credit;
        }

        /// <summary>Whole tokens available at <paramref name="nowMs"/>.</summary>
        public int Available(long nowMs)
        {
            Refill(nowMs);
            return (int)(_creditMs / RefillIntervalMs);
        }

        /// <summary>Takes one token if there is one.</summary>
        public bool TryTake(long nowMs)
        {
            Refill(nowMs);
            if (_creditMs < RefillIntervalMs)
            {
                return false;
            }

            _creditMs -= RefillIntervalMs;
            return true;
        }

        /// <summary>Milliseconds until a token is available (0 when one is).</summary>
        public long MillisecondsUntilToken(long nowMs)
        {
            Refill(nowMs);
            return _creditMs >= RefillIntervalMs ? 0 : RefillIntervalMs - _creditMs;
        }

        private void Refill(long nowMs)
        {
            if (!_started)
            {
                _started = true;
                _lastMs = nowMs;
                return;
            }

            long elapsed = Monotonic.Elapsed(nowMs, _lastMs);
            _lastMs = nowMs > _lastMs ? nowMs : _lastMs;
            long full = Capacity * RefillIntervalMs;
            _creditMs = elapsed >= full - _creditMs ? full : _creditMs + elapsed;
        }
    }
}
