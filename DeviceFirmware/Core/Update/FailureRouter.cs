using SecureDevice.Core.Bundle;
using SecureDevice.Core.Time;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Decides what a phase's <see cref="DownloadStep"/> means for the update (docs/update-engine.md, "DownloadStep"): the
    /// retry schedule hears of progress first (a failure after a gained byte is the first in a row); <c>More</c> comes
    /// back at once, a failure backs off until the attempts are spent, a rejection or a storage failure ends the update.
    /// It counts failures and refusals in the report; the engine makes the transition it answers
    /// (<see cref="FailureRoute"/>, with the update's <see cref="Outcome"/> when it ends).
    /// </summary>
    public sealed class FailureRouter
    {
        private readonly RetrySchedule _retry;
        private readonly UpdateReport _report;

        /// <summary>A router over the engine's <paramref name="retry"/> schedule and <paramref name="report"/>.</summary>
        public FailureRouter(RetrySchedule retry, UpdateReport report)
        {
            _retry = retry;
            _report = report;
        }

        /// <summary>The outcome the update ends with, after <see cref="FailureRoute.EndOffer"/> or <see cref="FailureRoute.Abandon"/>.</summary>
        public UpdateOutcome Outcome { get; private set; }

        /// <summary>Routes <paramref name="step"/> of a phase that ran in <paramref name="state"/> at <paramref name="input"/>'s time.</summary>
        /// <param name="step">The phase's status.</param>
        /// <param name="progressed">The phase gained a byte or a document in this step.</param>
        /// <param name="rejection">The phase's reason when <paramref name="step"/> is <see cref="DownloadStep.Rejected"/>.</param>
        /// <param name="detail">The phase's one line when the step failed.</param>
        /// <param name="state">The engine's state: an offer (Offered) has written nothing, so it ends without a save.</param>
        /// <param name="input">The step's time and random value (the backoff's jitter).</param>
        public FailureRoute Route(DownloadStep step, bool progressed, BundleStatus rejection, string detail, UpdateState state, StepInput input)
        {
            if (progressed)
            {
                _retry.Progress();
            }

            if (step == DownloadStep.Done)
            {
                return FailureRoute.Proceed;
            }

            if (step == DownloadStep.More)
            {
                // More work is waiting: come back at once (after the platform serviced MQTT).
                _retry.DueAt(input.NowMs);
                return FailureRoute.Stay;
            }

            if (step == DownloadStep.Failed)
            {
                return Failed(detail, state, input);
            }

            if (step == DownloadStep.Rejected && state == UpdateState.Offered)
            {
                return End(FailureRoute.EndOffer, UpdateOutcomes.Rejected(rejection));
            }

            if (step == DownloadStep.Rejected)
            {
                _report.Rejected();
                return End(FailureRoute.Abandon, UpdateOutcomes.Rejected(rejection));
            }

            return End(FailureRoute.Abandon, UpdateOutcome.StorageFailed);
        }

        /// <summary>
        /// An attempt failed (<paramref name="detail"/>): counted, retried after the backoff (<see cref="FailureRoute.Stay"/>),
        /// or, once <see cref="RetrySchedule.MaxFailures"/> are spent, ended as <see cref="UpdateOutcome.DownloadFailed"/>.
        /// </summary>
        public FailureRoute Failed(string detail, UpdateState state, StepInput input)
        {
            _report.Failed(detail);
            if (_retry.Failed(input.NowMs, input.Random))
            {
                return FailureRoute.Stay;
            }

            return End(state == UpdateState.Offered ? FailureRoute.EndOffer : FailureRoute.Abandon, UpdateOutcome.DownloadFailed);
        }

        private FailureRoute End(FailureRoute route, UpdateOutcome outcome)
        {
            Outcome = outcome;
            return route;
        }
    }
}
