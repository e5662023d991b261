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
    /// Driven like the rest of the core: the platform calls <see cref="Step"/> with the monotonic time, the wall-clock
    /// time, the network state, a random value and whether the running slot is healthy; the engine does a bounded amount
    /// of work (one offer's documents, or up to <see cref="PayloadDownload.ChunksPerStep"/> chunks) and returns how long it
    /// may sleep. Failures of the download are retried with jittered exponential backoff and abandoned after
    /// <see cref="RetrySchedule.MaxFailures"/> attempts without progress, so a broken server is never hammered.
    /// </para>
    /// Memory: one 4 KB chunk buffer and the documents' 5.3 KB, allocated by the caller once; nothing grows with the
    /// bundle. Flash: writes are the payload's chunks plus a fixed number of record saves (see <see cref="Journal"/>).
    /// </summary>
    public sealed class UpdateEngine
    {
        /// <summary>Largest read from the network or flash, bytes.</summary>
        public const int ChunkBytes = 4096;

        private readonly JournalStore _journal;
        private readonly SlotVerifier _slots;
        private readonly RevocationStore _revocations;
        private readonly InstallContext _device;
        private readonly OfferIntake _offers = new OfferIntake();
        private readonly RetrySchedule _retry = new RetrySchedule();
        private readonly UpdateStatistics _statistics = new UpdateStatistics();
        private readonly UpdateReport _report;
        private readonly Probation _probation = new Probation();
        private readonly DocumentFetch _documents;
        private readonly BundleAdmission _admission;
        private readonly SlotPreparation _preparation;
        private readonly PayloadDownload _download;
        private readonly UpdateJournal _next = new UpdateJournal();
        private Manifest _manifest;

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
            _documents = new DocumentFetch(slots.Documents, source, _statistics, chunk);
            _admission = new BundleAdmission(slots, revocations, device);
            _preparation = new SlotPreparation(store);
            _download = new PayloadDownload(store, slots, source, _statistics, chunk);
        }

        /// <summary>
        /// Where the update is. Offered, Verifying and WaitingForReboot are transient; the others mirror the journal. It
        /// changes only through <see cref="Enter"/>, along <see cref="UpdateTransitions"/>, and afresh at each <see cref="Start"/>.
        /// </summary>
        public UpdateState State { get; private set; }

        /// <summary>The last outcome (<see cref="UpdateReport.Outcome"/>).</summary>
        public UpdateOutcome LastOutcome
        {
            get { return _report.Outcome; }
        }

        /// <summary>One line explaining <see cref="LastOutcome"/> when it is a failure, else null (<see cref="UpdateReport.Detail"/>).</summary>
        public string LastDetail
        {
            get { return _report.Detail; }
        }

        /// <summary>The journal store.</summary>
        public JournalStore Journal
        {
            get { return _journal; }
        }

        /// <summary>The candidate's verified manifest while Downloading, Verifying, Staged or Testing, else null.</summary>
        public Manifest Candidate
        {
            get { return _manifest; }
        }

        /// <summary>Payload bytes of the candidate verified so far (on flash or streamed), for progress reports.</summary>
        public long BytesDone
        {
            get { return _download.BytesDone; }
        }

        /// <summary>Total payload bytes of the candidate.</summary>
        public long BytesTotal
        {
            get { return _download.BytesTotal; }
        }

        /// <summary>Increments whenever something worth an event happens (state, outcome, half of the download done).</summary>
        public int EventSequence
        {
            get { return _report.Events + _download.ProgressEvents; }
        }

        /// <summary>True when the platform should reboot (after publishing the pending event): to test a staged slot or after a revert.</summary>
        public bool RebootRequested
        {
            get { return _report.RebootRequested; }
        }

        /// <summary>Why the reboot is requested (<see cref="BootReason.Update"/> or <see cref="BootReason.Revert"/>).</summary>
        public BootReason RebootReason
        {
            get { return _report.RebootReason; }
        }

        /// <summary>How long a candidate has, each boot, to become healthy, ms (default 10 minutes).</summary>
        public long TestTimeoutMs
        {
            get { return _probation.TimeoutMs; }
            set { _probation.TimeoutMs = value; }
        }

        /// <summary>Shortest spacing between processed offers, ms.</summary>
        public long OfferSpacingMs
        {
            get { return _offers.SpacingMs; }
            set { _offers.SpacingMs = value; }
        }

        /// <summary>What the engine did since boot (offers, failures, bytes received and re-hashed, resumes).</summary>
        public UpdateStatistics Statistics
        {
            get { return _statistics; }
        }

        /// <summary>Restores the engine's state from the journal and the boot plan. Call once per boot, after <see cref="BootPlanner.Plan"/>.</summary>
        public void Start(long nowMs, BootPlan plan)
        {
            _revocations.Load();
            UpdateJournal journal = _journal.Current;
            _device.CurrentVersion = plan.ActiveVersion;
            _device.CurrentSecurityVersion = plan.ActiveSecurityVersion;
            _manifest = null;
            _offers.Reset();
            State = UpdateTransitions.AtBoot(journal.State, plan.Testing);
            if (State == UpdateState.Testing)
            {
                _manifest = plan.Manifest;
                _probation.Begin(nowMs);
            }
            else if (State == UpdateState.Downloading)
            {
                _offers.Url = journal.Url;
                _download.Resume();
                _retry.Restart(nowMs);
            }

            _report.Booted(journal.LastOutcome);
        }

        /// <summary>
        /// Takes an offer payload (devices/{id}/down/update). A valid offer is processed by the next <see cref="Step"/>s.
        /// </summary>
        /// <returns>
        /// <see cref="UpdateOutcome.None"/> when accepted for processing (or a repeat of the offer being processed);
        /// <see cref="UpdateOutcome.MalformedOffer"/>, or <see cref="UpdateOutcome.Busy"/> while a candidate is verifying,
        /// staged or under test, or when the offer comes sooner than <see cref="OfferSpacingMs"/> after the last.
        /// Refusals cost no flash write.
        /// </returns>
        public UpdateOutcome Offer(byte[] payload, int offset, int count, long nowMs)
        {
            _statistics.OffersReceived++;
            bool fresh;
            UpdateOutcome taken = _offers.Take(payload, offset, count, State, nowMs, out fresh);
            if (taken != UpdateOutcome.None)
            {
                return _report.Refused(taken, _offers.Detail);
            }

            if (!fresh)
            {
                return UpdateOutcome.None;
            }

            _download.Close();
            _documents.Reset();
            _retry.Restart(nowMs);
            Enter(UpdateState.Offered);
            _report.Event();
            return UpdateOutcome.None;
        }

        /// <summary>Does a bounded amount of work.</summary>
        /// <param name="nowMs">Monotonic milliseconds.</param>
        /// <param name="utcSeconds">Wall-clock Unix seconds, or -1 while not synchronised.</param>
        /// <param name="networkUp">Whether the network link is up.</param>
        /// <param name="random">A fresh random value (retry jitter).</param>
        /// <param name="healthy">True once the running slot meets the health criteria (connected and a health report acknowledged this boot).</param>
        /// <returns>Milliseconds the platform may sleep before the next call (0 when there is more work now).</returns>
        public long Step(long nowMs, long utcSeconds, bool networkUp, uint random, bool healthy)
        {
            if (State == UpdateState.Testing)
            {
                return StepTesting(nowMs, healthy);
            }

            if (State != UpdateState.Offered && State != UpdateState.Downloading && State != UpdateState.Verifying)
            {
                return long.MaxValue;
            }

            if (!networkUp && State != UpdateState.Verifying)
            {
                return 1000;
            }

            long wait = _retry.Wait(nowMs);
            if (wait > 0)
            {
                return wait;
            }

            if (State == UpdateState.Offered)
            {
                StepOffered(nowMs, utcSeconds, random);
            }
            else if (State == UpdateState.Downloading)
            {
                StepDownloading(nowMs, random);
            }
            else
            {
                StepVerifying(nowMs, random);
            }

            return State == UpdateState.Offered || State == UpdateState.Downloading || State == UpdateState.Verifying
                ? _retry.Wait(nowMs)
                : long.MaxValue;
        }

        /// <summary>The running application failed (its entry point threw). A candidate under test is reverted at once.</summary>
        public void OnApplicationFailed()
        {
            if (State == UpdateState.Testing)
            {
                _probation.ApplicationFailed();
                Revert(_probation.Outcome);
            }
        }

        private long StepTesting(long nowMs, bool healthy)
        {
            long wait;
            ProbationVerdict verdict = _probation.Decide(nowMs, healthy, out wait);
            if (verdict == ProbationVerdict.Confirm)
            {
                Confirm();
                return State == UpdateState.Testing ? Probation.ConfirmRetryMs : long.MaxValue;
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
            UpdateJournal current = _journal.Current;
            _next.CopyFrom(current);
            _next.Confirmed(_manifest.SecurityVersion);

            if (_journal.Save(_next) != StorageStatus.Ok)
            {
                // Retried at the next step; if it never succeeds the boot limit reverts, which is safe.
                return;
            }

            _device.CurrentVersion = _manifest.Version;
            _device.CurrentSecurityVersion = _manifest.SecurityVersion;
            Finish(UpdateOutcome.Confirmed, null, UpdateState.Idle);
        }

        private void Revert(UpdateOutcome outcome)
        {
            _next.CopyFrom(_journal.Current);
            _next.Reverted(outcome);
            // Reboot even if the save fails: the loader then counts another test boot and reverts at the limit.
            _journal.Save(_next);
            Finish(outcome, "candidate " + _manifest.Version.ToString() + " " + UpdateOutcomes.Name(outcome), UpdateState.Idle);
            _report.Reboot(BootReason.Revert);
        }

        private void StepOffered(long nowMs, long utcSeconds, uint random)
        {
            bool timeKnown = WallTime.IsValid(utcSeconds);
            if (_offers.WaitsForTime(nowMs, timeKnown))
            {
                _retry.DueAt(nowMs + OfferIntake.TimePollMs);
                return;
            }

            DownloadStep fetched = _documents.Step(_offers.Url);
            if (!Apply(fetched, _documents.Progressed, _documents.Detail, _documents.Rejection, nowMs, random))
            {
                return;
            }

            UpdateOutcome admitted = _admission.Admit(_offers, _journal.Current, utcSeconds, timeKnown);
            if (admitted != UpdateOutcome.None)
            {
                EndOffer(admitted, _admission.Detail);
                return;
            }

            if (!PrepareSlot())
            {
                return;
            }

            _manifest = _admission.Manifest;
            _download.Begin(_manifest);
            Enter(UpdateState.Downloading);
            _report.Event();
        }

        // Empties the candidate slot and writes the verified documents into it, then journals Downloading. False on a
        // storage failure (the update is then finished as StorageFailed).
        private bool PrepareSlot()
        {
            UpdateJournal current = _journal.Current;
            if (current.State != UpdateState.Idle)
            {
                // A new offer supersedes a download: the journal leaves Downloading before the slot is touched.
                _next.CopyFrom(current);
                _next.Abandoned(current.LastOutcome);
                if (_journal.Save(_next) != StorageStatus.Ok)
                {
                    return StorageFailed("saving the journal");
                }
            }

            if (_preparation.Prepare(current.CandidateSlot, _slots.Documents) != StorageStatus.Ok)
            {
                return StorageFailed(_preparation.Detail);
            }

            _next.CopyFrom(_journal.Current);
            _next.ToDownloading(_offers.Url, _slots.Documents.ManifestDigest);
            if (_journal.Save(_next) != StorageStatus.Ok)
            {
                return StorageFailed("saving the journal");
            }

            return true;
        }

        private void StepDownloading(long nowMs, uint random)
        {
            DownloadStep step = _download.Step(_journal.Current, _offers.Url);
            _manifest = _download.Manifest;
            if (Apply(step, _download.Progressed, _download.Detail, _download.Rejection, nowMs, random))
            {
                // No event: verifying takes one step and ends in Staged, which is reported.
                Enter(UpdateState.Verifying);
            }
        }

        private void StepVerifying(long nowMs, uint random)
        {
            UpdateJournal journal = _journal.Current;
            DownloadStep back = _download.ReadBack(journal);
            _manifest = _download.Manifest;
            if (back == DownloadStep.Failed)
            {
                // What was verified while streaming is not what the flash gives back: download the bad files again.
                Enter(UpdateState.Downloading);
            }

            if (!Apply(back, false, _download.Detail, BundleStatus.Verified, nowMs, random))
            {
                return;
            }

            if (_revocations.AddFrom(_manifest) != StorageStatus.Ok)
            {
                Failed(nowMs, random, "saving revocations");
                return;
            }

            _next.CopyFrom(journal);
            _next.ToStaged();
            if (_journal.Save(_next) != StorageStatus.Ok)
            {
                Failed(nowMs, random, "saving the journal");
                return;
            }

            Finish(UpdateOutcome.Staged, null, UpdateState.Staged);
            _report.Reboot(BootReason.Update);
        }

        // Maps a phase's step onto the engine; true when Done (the caller moves on). The retry schedule hears of progress
        // first (a failure after a gained byte is the first in a row); More comes back at once, a failure backs off, a
        // rejection or a storage failure ends the update.
        private bool Apply(DownloadStep step, bool progressed, string detail, BundleStatus rejection, long nowMs, uint random)
        {
            if (progressed)
            {
                _retry.Progress();
            }

            if (step == DownloadStep.Done)
            {
                return true;
            }

            if (step == DownloadStep.More)
            {
                // More work is waiting: come back at once (after the platform serviced MQTT).
                _retry.DueAt(nowMs);
            }
            else if (step == DownloadStep.Failed)
            {
                Failed(nowMs, random, detail);
            }
            else if (step == DownloadStep.Rejected && State == UpdateState.Offered)
            {
                // Nothing was written yet: a rejected offer ends without a journal save.
                EndOffer(UpdateOutcomes.Rejected(rejection), detail);
            }
            else if (step == DownloadStep.Rejected)
            {
                _report.Rejected();
                Abandon(UpdateOutcomes.Rejected(rejection), detail);
            }
            else
            {
                Abandon(UpdateOutcome.StorageFailed, detail);
            }

            return false;
        }

        private void Failed(long nowMs, uint random, string detail)
        {
            _report.Failed(detail);
            if (!_retry.Failed(nowMs, random))
            {
                if (State == UpdateState.Offered)
                {
                    EndOffer(UpdateOutcome.DownloadFailed, detail);
                }
                else
                {
                    Abandon(UpdateOutcome.DownloadFailed, detail);
                }
            }
        }

        private bool StorageFailed(string detail)
        {
            Abandon(UpdateOutcome.StorageFailed, detail);
            return false;
        }

        // Ends a download that touched the flash: the journal goes back to Idle with the outcome, the active slot untouched.
        private void Abandon(UpdateOutcome outcome, string detail)
        {
            _download.Close();
            UpdateJournal current = _journal.Current;
            if (current.State != UpdateState.Idle || current.LastOutcome != outcome)
            {
                _next.CopyFrom(current);
                _next.Abandoned(outcome);
                _journal.Save(_next);
            }

            Finish(outcome, detail, UpdateState.Idle);
        }

        private void Finish(UpdateOutcome outcome, string detail, UpdateState next)
        {
            _report.Record(outcome, detail);
            Enter(next);
            if (outcome != UpdateOutcome.Confirmed && outcome != UpdateOutcome.Staged)
            {
                _manifest = null;
            }
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
                _offers.Url = journal.Url;
                _download.Resume();
                _retry.Progress();
            }
        }

        // The one place the state changes at run time. An illegal transition is a bug of this engine, never an input: it
        // throws rather than leave the machine somewhere the docs do not describe.
        private void Enter(UpdateState next)
        {
            if (!UpdateTransitions.IsLegal(State, next))
            {
                throw new System.InvalidOperationException("update " + UpdateStateText.Name(State) + " -> " + UpdateStateText.Name(next));
            }

            State = next;
        }
    }
}
