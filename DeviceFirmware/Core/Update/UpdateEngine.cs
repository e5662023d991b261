using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Text;
using SecureDevice.Core.Time;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The update machine at run time (docs/update-engine.md): takes an offer, fetches and verifies the signed documents,
    /// downloads the payload into the inactive slot in chunks of at most <see cref="ChunkBytes"/> while hashing it,
    /// resumes after drops and reboots from the bytes on flash (re-hashed, never trusted), re-verifies everything from
    /// flash, stages, and after the reboot into the candidate confirms it (raising the security floor) or reverts it.
    /// <para>
    /// Only dispatch and transitions live here: <see cref="Step"/> picks the phase for the state (docs' "Engine phases";
    /// each does a bounded amount of work and answers a value), <see cref="FailureRouter"/> maps the answer onto a route,
    /// and the engine makes the transition: <c>Enter</c>, one of <see cref="JournalStore"/>'s named saves (through
    /// <see cref="CandidateWrites"/> where a transition is several ordered writes), the report.
    /// Failures are retried with jittered backoff (<see cref="RetrySchedule"/>), so a broken server is never hammered.
    /// </para>
    /// Memory: one 4 KB chunk buffer and the documents' 5.3 KB, allocated by the caller once; nothing grows with the
    /// bundle. Flash: the payload's chunks plus a fixed number of record saves.
    /// </summary>
    public sealed class UpdateEngine
    {
        /// <summary>Largest read from the network or flash, bytes.</summary>
        public const int ChunkBytes = 4096;

        /// <summary>
        /// Read-backs of a downloaded slot that may fail per offer, each followed by a new download of the files that do not
        /// verify; the last one abandons the update as <see cref="UpdateOutcome.StorageFailed"/> (the device's flash is at fault).
        /// </summary>
        public const int MaxReadBackFailures = 3;

        private readonly JournalStore _journal;
        private readonly SlotVerifier _slots;
        private readonly RevocationStore _revocations;
        private readonly InstallContext _device;
        private readonly OfferIntake _offers = new OfferIntake();
        private readonly RetrySchedule _retry = new RetrySchedule();
        private readonly UpdateStatistics _statistics = new UpdateStatistics();
        private readonly UpdateReport _report;
        private readonly FailureRouter _router;
        private readonly Probation _probation = new Probation();
        private readonly DocumentFetch _documents;
        private readonly BundleAdmission _admission;
        private readonly CandidateWrites _writes;
        private readonly PayloadDownload _download;
        private readonly UpdateStatus _status;

        // Failed read-backs since the offer was taken. Not the retry schedule's count: the new download's progress resets
        // that, so flash that never reads back right would fetch the bundle again every few seconds, for ever.
        private int _readBackFailures;

        /// <summary>
        /// Creates the engine. <paramref name="device"/> gives product, hardware model and loader version (the running
        /// versions and floor come from the journal and the boot plan); <paramref name="chunk"/> is the caller-owned buffer
        /// shared with <paramref name="slots"/> (at least 64 and at most <see cref="ChunkBytes"/> bytes).
        /// </summary>
        public UpdateEngine(IFileStore store, JournalStore journal, SlotVerifier slots, RevocationStore revocations, IBundleSource source, InstallContext device, byte[] chunk)
        {
            if (store == null || journal == null || slots == null || revocations == null || source == null || device == null || chunk == null)
            {
                throw new System.ArgumentNullException("store");
            }

            if (chunk.Length < 64 || chunk.Length > ChunkBytes)
            {
                throw new System.ArgumentOutOfRangeException("chunk");
            }

            _journal = journal;
            _slots = slots;
            _revocations = revocations;
            _device = device;
            _report = new UpdateReport(_statistics);
            _router = new FailureRouter(_retry, _report);
            _documents = new DocumentFetch(slots.Documents, source, _statistics, chunk);
            _admission = new BundleAdmission(slots, revocations, device);
            _writes = new CandidateWrites(store, journal, revocations, device);
            _download = new PayloadDownload(store, slots, source, _statistics, chunk);
            _status = new UpdateStatus(_report, _download.Progress, _statistics);
        }

        /// <summary>What the engine shows: state, candidate, last outcome and detail, progress, events, a requested reboot, statistics.</summary>
        public UpdateStatus Status
        {
            get { return _status; }
        }

        /// <summary>Floor-record saves that failed this boot (<see cref="JournalStore.FloorSaveFailures"/>; the agent passes it to the fault record).</summary>
        public int FloorSaveFailures
        {
            get { return _journal.FloorSaveFailures; }
        }

        /// <summary>The floor record's last save failed and none succeeded since (<see cref="JournalStore.FloorRecordLagging"/>; the agent passes it to the health report).</summary>
        public bool FloorRecordLagging
        {
            get { return _journal.FloorRecordLagging; }
        }

        /// <summary>How long a candidate has, each boot, to become healthy, ms (default <see cref="Probation.DefaultTimeoutMs"/>).</summary>
        public long TestTimeoutMs
        {
            get { return _probation.TimeoutMs; }
            set { _probation.TimeoutMs = value; }
        }

        /// <summary>Shortest spacing between processed offers, ms (default <see cref="OfferIntake.DefaultSpacingMs"/>).</summary>
        public long OfferSpacingMs
        {
            get { return _offers.SpacingMs; }
            set { _offers.SpacingMs = value; }
        }

        /// <summary>Restores the engine's state from the journal and the boot plan. Call once per boot, after <see cref="BootPlanner.Plan"/>.</summary>
        public void Start(long nowMs, BootPlan plan)
        {
            _revocations.Load();
            UpdateJournal journal = _journal.Current;
            _device.CurrentVersion = plan.ActiveVersion;
            _device.CurrentSecurityVersion = plan.ActiveSecurityVersion;
            _status.Candidate = null;
            _offers.Reset();
            // A journal that could not be read is not overwritten (JournalStore refuses to save): this boot takes no offer,
            // since preparing a candidate slot from the empty journal could empty the slot that is running.
            _status.State = plan.JournalUnreadable ? UpdateState.WaitingForReboot : UpdateTransitions.AtBoot(journal.State, plan.Testing);
            if (_status.State == UpdateState.Testing)
            {
                _status.Candidate = plan.Manifest;
                _probation.Begin(nowMs);
            }
            else if (_status.State == UpdateState.Downloading)
            {
                ResumeDownload(journal);
                _retry.Restart(nowMs);
            }

            _report.Booted(journal.LastOutcome);
        }

        /// <summary>
        /// Takes an offer payload (devices/{id}/down/update) through <see cref="OfferIntake.Take"/>. A valid offer is
        /// processed by the next <see cref="Step"/>s.
        /// </summary>
        /// <returns>
        /// <see cref="UpdateOutcome.None"/> when accepted for processing (or a repeat of the offer being processed);
        /// <see cref="UpdateOutcome.MalformedOffer"/>, or <see cref="UpdateOutcome.Busy"/> while a candidate is verifying,
        /// staged or under test, or when the offer comes sooner than <see cref="OfferSpacingMs"/> after the last.
        /// Refusals cost no flash write.
        /// </returns>
        public UpdateOutcome Offer(byte[] payload, int offset, int count, long nowMs)
        {
            _statistics.OfferReceived();
            bool fresh;
            UpdateOutcome taken = _offers.Take(payload, offset, count, _status.State, nowMs, out fresh);
            if (taken != UpdateOutcome.None)
            {
                return _report.Refused(taken, _offers.Detail);
            }

            if (fresh)
            {
                _download.Close();
                _documents.Reset();
                _retry.Restart(nowMs);
                _readBackFailures = 0;
                Enter(UpdateState.Offered);
                _report.Event();
            }

            return UpdateOutcome.None;
        }

        /// <summary>Does a bounded amount of work at <paramref name="input"/> (time, wall clock, network, a random value for the retry jitter).</summary>
        /// <param name="input">This step's input; not kept.</param>
        /// <param name="healthy">True once the running slot meets the health criteria (<see cref="Probation.IsHealthy"/>).</param>
        /// <returns>Milliseconds the platform may sleep before the next call (0 when there is more work now).</returns>
        public long Step(StepInput input, bool healthy)
        {
            if (_status.State == UpdateState.Testing)
            {
                return StepTesting(input.NowMs, healthy);
            }

            if (!Working())
            {
                return long.MaxValue;
            }

            if (!input.NetworkUp && _status.State != UpdateState.Verifying)
            {
                return 1000;
            }

            long wait = _retry.Wait(input.NowMs);
            if (wait > 0)
            {
                return wait;
            }

            if (_status.State == UpdateState.Offered)
            {
                StepOffered(input);
            }
            else if (_status.State == UpdateState.Downloading)
            {
                StepDownloading(input);
            }
            else
            {
                StepVerifying(input);
            }

            return Working() ? _retry.Wait(input.NowMs) : long.MaxValue;
        }

        /// <summary>The running application failed (its entry point threw). A candidate under test is reverted at once.</summary>
        public void OnApplicationFailed()
        {
            if (_status.State == UpdateState.Testing)
            {
                _probation.ApplicationFailed();
                Revert(_probation.Outcome);
            }
        }

        private bool Working()
        {
            return _status.State == UpdateState.Offered || _status.State == UpdateState.Downloading || _status.State == UpdateState.Verifying;
        }

        private long StepTesting(long nowMs, bool healthy)
        {
            long wait;
            ProbationVerdict verdict = _probation.Decide(nowMs, healthy, out wait);
            if (verdict == ProbationVerdict.Confirm)
            {
                Confirm();
                return _status.State == UpdateState.Testing ? Probation.ConfirmRetryMs : long.MaxValue;
            }

            if (verdict == ProbationVerdict.Revert)
            {
                Revert(_probation.Outcome);
                return long.MaxValue;
            }

            return wait;
        }

        private void Confirm()
        {
            // A failed save is retried at the next step; if it never succeeds the boot limit reverts, which is safe.
            if (_writes.Confirm(_status.Candidate) == null)
            {
                Finish(UpdateOutcome.Confirmed, null, UpdateState.Idle);
            }
        }

        private void Revert(UpdateOutcome outcome)
        {
            // Reboot even if the save fails: the loader then counts another test boot and reverts at the limit.
            _journal.SaveReverted(outcome);
            Finish(outcome, "candidate " + _status.Candidate.Version.ToString() + " " + UpdateOutcomes.Name(outcome), UpdateState.Idle);
            _report.Reboot(BootReason.Revert);
        }

        private void StepOffered(StepInput input)
        {
            bool timeKnown = input.TimeKnown;
            if (_offers.WaitsForTime(input.NowMs, timeKnown))
            {
                _retry.DueAt(input.NowMs + OfferIntake.TimePollMs);
                return;
            }

            DownloadStep fetched = _documents.Step(_offers.Url);
            if (!Apply(_router.Route(fetched, _documents.Progressed, _documents.Rejection, _documents.Detail, _status.State, input), _documents.Detail))
            {
                return;
            }

            UpdateOutcome admitted = _admission.Admit(_offers, _journal.Current, input.UtcSeconds, timeKnown);
            if (admitted != UpdateOutcome.None)
            {
                EndOffer(admitted, _admission.Detail);
                return;
            }

            string failed = _writes.Download(_slots.Documents, _offers.Url);
            if (failed != null)
            {
                Abandon(UpdateOutcome.StorageFailed, failed);
                return;
            }

            _status.Candidate = _admission.Manifest;
            _download.Begin(_admission.Manifest);
            Enter(UpdateState.Downloading);
            _report.Event();
        }

        private void StepDownloading(StepInput input)
        {
            DownloadStep step = _download.Step(_journal.Current, _offers.Url);
            _status.Candidate = _download.Manifest;
            if (Apply(_router.Route(step, _download.Progressed, _download.Rejection, _download.Detail, _status.State, input), _download.Detail))
            {
                // No event: verifying takes one step and ends in Staged, which is reported.
                Enter(UpdateState.Verifying);
            }
        }

        private void StepVerifying(StepInput input)
        {
            DownloadStep back = _download.ReadBack(_journal.Current);
            _status.Candidate = _download.Manifest;
            if (back == DownloadStep.Failed)
            {
                // What was verified while streaming is not what the flash gives back: download the bad files again, a
                // bounded number of times.
                _readBackFailures++;
                if (_readBackFailures >= MaxReadBackFailures)
                {
                    Abandon(UpdateOutcome.StorageFailed, _download.Detail);
                    return;
                }

                Enter(UpdateState.Downloading);
            }

            if (!Apply(_router.Route(back, false, BundleStatus.Verified, _download.Detail, _status.State, input), _download.Detail))
            {
                return;
            }

            string failed = _writes.Stage(_status.Candidate);
            if (failed != null)
            {
                Apply(_router.Failed(failed, _status.State, input), failed);
                return;
            }

            Finish(UpdateOutcome.Staged, null, UpdateState.Staged);
            _report.Reboot(BootReason.Update);
        }

        // Makes the transition the router chose; true when the phase is done (the caller moves on).
        private bool Apply(FailureRoute route, string detail)
        {
            if (route == FailureRoute.EndOffer)
            {
                EndOffer(_router.Outcome, detail);
            }
            else if (route == FailureRoute.Abandon)
            {
                Abandon(_router.Outcome, detail);
            }

            return route == FailureRoute.Proceed;
        }

        // Ends a download that touched the flash: the journal goes back to Idle with the outcome, the active slot untouched.
        private void Abandon(UpdateOutcome outcome, string detail)
        {
            _download.Close();
            UpdateJournal current = _journal.Current;
            if (current.State != UpdateState.Idle || current.LastOutcome != outcome)
            {
                _journal.SaveAbandoned(outcome);
            }

            Finish(outcome, detail, UpdateState.Idle);
        }

        // Ends the processing of an offer that touched nothing. A download it was meant to supersede goes on.
        private void EndOffer(UpdateOutcome outcome, string detail)
        {
            _report.Rejected();
            UpdateJournal journal = _journal.Current;
            bool resume = journal.State == UpdateState.Downloading;
            Finish(outcome, detail, resume ? UpdateState.Downloading : UpdateState.Idle);
            if (resume)
            {
                ResumeDownload(journal);
                _retry.Progress();
            }
        }

        private void ResumeDownload(UpdateJournal journal)
        {
            _offers.Url = journal.Url;
            _download.Resume();
        }

        private void Finish(UpdateOutcome outcome, string detail, UpdateState next)
        {
            _report.Record(outcome, detail);
            Enter(next);
            if (outcome != UpdateOutcome.Confirmed && outcome != UpdateOutcome.Staged)
            {
                _status.Candidate = null;
            }
        }

        // The one place the state changes at run time. An illegal transition is a bug of this engine, never an input: it
        // throws rather than leave the machine somewhere the docs do not describe.
        private void Enter(UpdateState next)
        {
            if (!UpdateTransitions.IsLegal(_status.State, next))
            {
                throw new System.InvalidOperationException("update " + UpdateStateText.Name(_status.State) + " -> " + UpdateStateText.Name(next));
            }

            _status.State = next;
        }
    }
}
