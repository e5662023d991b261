namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// The authentication rule of the reconnect policy (docs/flood-guard.md): a certificate or identity the broker refuses
    /// will not start working by retrying, so each consecutive refusal waits a random time in the upper half of a
    /// cool-down that doubles from <see cref="BackoffConfig.AuthBaseMs"/> up to <see cref="BackoffConfig.AuthCapMs"/>.
    /// The refusals are reported once the device is connected again. Persisted by the policy's record. Not thread-safe.
    /// </summary>
    public sealed class AuthenticationBreaker
    {
        private readonly BackoffConfig _config;
        private int _failures;
        private int _toReport;

        /// <summary>A breaker with no failure; <paramref name="config"/> is the policy's (already validated).</summary>
        public AuthenticationBreaker(BackoffConfig config)
        {
            _config = config;
        }

        /// <summary>Consecutive authentication failures.</summary>
        public int Failures
        {
            get { return _failures; }
        }

        /// <summary>Takes the persisted count (already range-checked by the record reader).</summary>
        public void Restore(int failures)
        {
            _failures = failures;
        }

        /// <summary>One more refusal; returns its wait, ms, from <paramref name="random"/>.</summary>
        public long OnFailure(uint random)
        {
            _failures++;
            long coolDown = Backoff.CeilingMs(_failures - 1, _config.AuthBaseMs, _config.AuthCapMs);
            return Backoff.Between(coolDown / 2, coolDown, random);
        }

        /// <summary>The broker accepted the device: the failures before it become reportable.</summary>
        public void OnConnected()
        {
            if (_failures > 0)
            {
                _toReport = _failures;
            }
        }

        /// <summary>A connection became stable: the count starts again.</summary>
        public void OnStable()
        {
            _failures = 0;
        }

        /// <summary>Failures before the current connection, to report once (then 0).</summary>
        public int TakeReport()
        {
            int count = _toReport;
            _toReport = 0;
            return count;
        }
    }
}
