using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Time;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// When the update engine may work next: at once while there is work, after a full-jitter backoff
    /// (<see cref="RetryBaseMs"/> doubling up to <see cref="RetryCapMs"/>, at least <see cref="RetryFloorMs"/>) after a
    /// failed attempt, and never again after <see cref="MaxFailures"/> attempts in a row without progress. Pure: time and
    /// randomness are parameters.
    /// </summary>
    public sealed class RetrySchedule
    {
        /// <summary>Consecutive failed attempts (no byte gained) before the update is abandoned.</summary>
        public const int MaxFailures = 8;

        /// <summary>Backoff base for download retries, ms.</summary>
        public const long RetryBaseMs = 5000;

        /// <summary>Backoff cap for download retries, ms.</summary>
        public const long RetryCapMs = 600000;

        /// <summary>Shortest wait before a retry, ms.</summary>
        public const long RetryFloorMs = 1000;

        private long _dueMs;

        /// <summary>Failed attempts since the last progress.</summary>
        public int Failures { get; private set; }

        /// <summary>A fresh start at <paramref name="nowMs"/>: no failures, due now.</summary>
        public void Restart(long nowMs)
        {
            Failures = 0;
            _dueMs = nowMs;
        }

        /// <summary>A byte or a document was gained: the failures in a row end.</summary>
        public void Progress()
        {
            Failures = 0;
        }

        /// <summary>Due at <paramref name="dueMs"/> (more work now, or a short wait such as for trusted time).</summary>
        public void DueAt(long dueMs)
        {
            _dueMs = dueMs;
        }

        /// <summary>Milliseconds until due at <paramref name="nowMs"/> (0 when due, wrap-safe).</summary>
        public long Wait(long nowMs)
        {
            return Monotonic.Until(nowMs, _dueMs);
        }

        /// <summary>Counts a failed attempt and schedules the next after the backoff.</summary>
        /// <returns>False when the attempts are spent (the update is to be given up).</returns>
        public bool Failed(long nowMs, uint random)
        {
            Failures++;
            if (Failures >= MaxFailures)
            {
                return false;
            }

            long ceiling = Backoff.CeilingMs(Failures - 1, RetryBaseMs, RetryCapMs);
            _dueMs = nowMs + Backoff.FullJitterMs(ceiling, RetryFloorMs, random);
            return true;
        }
    }
}
