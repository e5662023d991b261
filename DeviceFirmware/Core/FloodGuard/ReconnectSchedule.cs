namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// The schedule rule of the reconnect policy (docs/flood-guard.md): after an ordinary failure, an exponential
    /// full-jitter backoff between <see cref="BackoffConfig.FloorMs"/> and a ceiling that doubles from
    /// <see cref="BackoffConfig.BaseMs"/> up to <see cref="BackoffConfig.CapMs"/>, counted from the last stable connection;
    /// after losing a stable connection, a spread over <see cref="BackoffConfig.DisconnectWindowMs"/> and then a fast phase
    /// of short waits, so a fleet returns quickly and evenly after an outage. Pure given its inputs; the failure count is
    /// persisted by the policy's record. Not thread-safe.
    /// </summary>
    public sealed class ReconnectSchedule
    {
        private readonly BackoffConfig _config;
        private int _failures;
        private long _fastUntilMs = long.MinValue;

        /// <summary>A schedule with no failure; <paramref name="config"/> is the policy's (already validated).</summary>
        public ReconnectSchedule(BackoffConfig config)
        {
            _config = config;
        }

        /// <summary>Consecutive ordinary failures since the last stable connection.</summary>
        public int Failures
        {
            get { return _failures; }
        }

        /// <summary>Takes the persisted count (already range-checked by the record reader).</summary>
        public void Restore(int failures)
        {
            _failures = failures;
        }

        /// <summary>True while in the fast phase after losing a stable connection.</summary>
        public bool InFastPhase(long nowMs)
        {
            return nowMs < _fastUntilMs;
        }

        /// <summary>A connection became stable: the backoff starts again from its base.</summary>
        public void OnStable()
        {
            _failures = 0;
        }

        /// <summary>A stable connection was lost at <paramref name="nowMs"/>: starts the fast phase and returns the first wait, ms.</summary>
        public long OnStableLost(long nowMs, uint random)
        {
            _fastUntilMs = nowMs + _config.FastPhaseMs;
            return Backoff.Between(0, _config.DisconnectWindowMs, random);
        }

        /// <summary>One more ordinary failure; returns its wait, ms: short in the fast phase, else the jittered backoff.</summary>
        public long OnFailure(long nowMs, uint random)
        {
            _failures++;
            if (InFastPhase(nowMs))
            {
                return Backoff.Between(_config.FastMinMs, _config.FastMaxMs, random);
            }

            long ceiling = Backoff.CeilingMs(_failures - 1, _config.BaseMs, _config.CapMs);
            return Backoff.FullJitterMs(ceiling, _config.FloorMs, random);
        }
    }
}
