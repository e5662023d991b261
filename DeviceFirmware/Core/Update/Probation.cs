using SecureDevice.Core.Time;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The probation of a candidate after it booted (docs/update-engine.md): it is confirmed once it proves healthy, and
    /// reverted when it does not within <see cref="TimeoutMs"/> of this boot's start or when its application fails. The
    /// health criterion lives here (<see cref="IsHealthy"/>); the agent only passes the facts in. Pure: time is a
    /// parameter and elapsed time is computed wrap-safely. Each boot of the candidate gets the full time again; the
    /// loader's test-boot limit bounds the boots.
    /// </summary>
    public sealed class Probation
    {
        /// <summary>How long to wait before asking again after a confirmation whose journal save failed, ms.</summary>
        public const long ConfirmRetryMs = 1000;

        /// <summary>Default time a candidate has, per boot, to meet the health criterion, ms (10 minutes).</summary>
        public const long DefaultTimeoutMs = 600000;

        /// <summary>Creates a probation with the default time.</summary>
        public Probation()
        {
            TimeoutMs = DefaultTimeoutMs;
        }

        /// <summary>How long a candidate has, each boot, to become healthy, ms.</summary>
        public long TimeoutMs { get; set; }

        /// <summary>When this boot's test began (monotonic ms).</summary>
        public long StartMs { get; private set; }

        /// <summary>After <see cref="ProbationVerdict.Revert"/>: <see cref="UpdateOutcome.RevertedTimeout"/> or <see cref="UpdateOutcome.RevertedAppFailed"/>.</summary>
        public UpdateOutcome Outcome { get; private set; }

        /// <summary>
        /// The candidate's health criterion: its application started and did not fail, the broker accepted the device
        /// (connected) and acknowledged at least one health report of this boot. A candidate that cannot reach the service
        /// is never confirmed: it could not take the next update either.
        /// </summary>
        public static bool IsHealthy(bool applicationLoaded, bool applicationFailed, bool connected, int healthReportsAcknowledged)
        {
            return applicationLoaded && !applicationFailed && connected && healthReportsAcknowledged > 0;
        }

        /// <summary>The candidate booted at <paramref name="nowMs"/>: its time starts.</summary>
        public void Begin(long nowMs)
        {
            StartMs = nowMs;
        }

        /// <summary>Decides at <paramref name="nowMs"/> whether the candidate, <paramref name="healthy"/> or not, is confirmed, reverted or given more time.</summary>
        /// <param name="nowMs">Monotonic milliseconds.</param>
        /// <param name="healthy">The result of <see cref="IsHealthy"/> (or the caller's own, in tests).</param>
        /// <param name="waitMs">With <see cref="ProbationVerdict.Wait"/>, the time left (at least 1 ms); else 0.</param>
        public ProbationVerdict Decide(long nowMs, bool healthy, out long waitMs)
        {
            waitMs = 0;
            if (healthy)
            {
                return ProbationVerdict.Confirm;
            }

            long left = TimeoutMs - Monotonic.Elapsed(nowMs, StartMs);
            if (left <= 0)
            {
                Outcome = UpdateOutcome.RevertedTimeout;
                return ProbationVerdict.Revert;
            }

            waitMs = left;
            return ProbationVerdict.Wait;
        }

        /// <summary>The candidate's application failed (its entry point threw): revert at once.</summary>
        public ProbationVerdict ApplicationFailed()
        {
            Outcome = UpdateOutcome.RevertedAppFailed;
            return ProbationVerdict.Revert;
        }
    }
}
