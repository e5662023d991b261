using SecureDevice.Core.Telemetry;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// What <see cref="UpdateEngine"/> has to tell the platform: the last outcome and its detail, an event counter that
    /// moves whenever something worth an event happened, and a pending reboot with its reason; it also keeps the
    /// statistics' refusal and failure counters. Bookkeeping only: no decision reads it. The engine is its only writer.
    /// </summary>
    public sealed class UpdateReport
    {
        private readonly UpdateStatistics _statistics;

        /// <summary>Creates the report over the engine's <paramref name="statistics"/>.</summary>
        public UpdateReport(UpdateStatistics statistics)
        {
            _statistics = statistics;
        }

        /// <summary>The last outcome: persisted ones come from the journal, offer refusals live in memory only.</summary>
        public UpdateOutcome Outcome { get; private set; }

        /// <summary>One line explaining <see cref="Outcome"/> (or the last failed attempt) when it is a failure, else null.</summary>
        public string Detail { get; private set; }

        /// <summary>Events so far (boot, state, outcome), not counting the download's half-way events.</summary>
        public int Events { get; private set; }

        /// <summary>True when the platform should reboot (after publishing the pending event).</summary>
        public bool RebootRequested { get; private set; }

        /// <summary>Why the reboot is requested (<see cref="BootReason.Update"/> or <see cref="BootReason.Revert"/>).</summary>
        public BootReason RebootReason { get; private set; }

        /// <summary>A boot: the outcome is the journal's, no reboot is pending; one event.</summary>
        public void Booted(UpdateOutcome journalOutcome)
        {
            Outcome = journalOutcome;
            RebootRequested = false;
            Events++;
        }

        /// <summary>Something worth an event happened that is not an outcome (an offer taken, the download begun).</summary>
        public void Event()
        {
            Events++;
        }

        /// <summary>The update ended in <paramref name="outcome"/> (explained by <paramref name="detail"/>, or null): one event.</summary>
        public void Record(UpdateOutcome outcome, string detail)
        {
            Outcome = outcome;
            Detail = detail;
            Events++;
        }

        /// <summary>An offer was refused or ended without touching the flash: counted, then recorded.</summary>
        public UpdateOutcome Refused(UpdateOutcome outcome, string detail)
        {
            _statistics.OfferRefused();
            Record(outcome, detail);
            return outcome;
        }

        /// <summary>A download attempt failed (<paramref name="detail"/>): counted; the outcome stays until the attempts are spent.</summary>
        public void Failed(string detail)
        {
            _statistics.AttemptFailed();
            Detail = detail;
        }

        /// <summary>A downloaded bundle was rejected after the flash was touched: counted as a refused offer (the outcome follows).</summary>
        public void Rejected()
        {
            _statistics.OfferRefused();
        }

        /// <summary>The platform should reboot for <paramref name="reason"/>.</summary>
        public void Reboot(BootReason reason)
        {
            RebootRequested = true;
            RebootReason = reason;
        }
    }
}
