using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The loader's decision at boot: which slot to load, from the journal and what verifies on flash. An ordered decision
    /// table (docs/update-engine.md, <see cref="BootDecision"/>) computes the next journal; it is saved before anything is
    /// loaded, and only then applied. A slot is offered for loading only after its signature chain, its binding to the
    /// journal and the security floor verified; the loader then re-hashes the payload bytes it loads
    /// (<see cref="OnLoadFailed"/> when they differ), so nothing unverified ever runs.
    /// Every path ends in a verified slot or in no application; never in an unverified one.
    /// </summary>
    public sealed class BootPlanner
    {
        /// <summary>Default number of boots a candidate gets to confirm itself.</summary>
        public const int DefaultMaxTestBoots = 3;

        /// <summary>Default number of boots a download may be interrupted by before it is abandoned.</summary>
        public const int DefaultMaxResumeBoots = 5;

        private readonly JournalStore _journal;
        private readonly SlotVerifier _slots;
        private readonly UpdateJournal _next = new UpdateJournal();
        private readonly byte[] _adoptedDigest = new byte[32];

        /// <summary>Plans over <paramref name="journal"/> and <paramref name="slots"/> (shared with the <see cref="UpdateEngine"/>).</summary>
        public BootPlanner(JournalStore journal, SlotVerifier slots)
        {
            if (journal == null)
            {
                throw new System.ArgumentNullException("journal");
            }

            if (slots == null)
            {
                throw new System.ArgumentNullException("slots");
            }

            _journal = journal;
            _slots = slots;
            MaxTestBoots = DefaultMaxTestBoots;
            MaxResumeBoots = DefaultMaxResumeBoots;
        }

        /// <summary>Boots a candidate gets before it is reverted (1..100).</summary>
        public int MaxTestBoots { get; set; }

        /// <summary>Boots a download may span before it is abandoned (1..100).</summary>
        public int MaxResumeBoots { get; set; }

        /// <summary>True when the last <see cref="Plan"/> found no valid journal.</summary>
        public bool JournalMissing { get; private set; }

        /// <summary>Decides this boot; fills <paramref name="plan"/>.</summary>
        /// <returns>
        /// The journal's storage status. A failed read is planned as a missing journal but saved never
        /// (<see cref="BootPlan.JournalUnreadable"/>, and <see cref="BootPlan.JournalSaveFailed"/> as the store refuses); a failed
        /// save is in <see cref="BootPlan.JournalSaveFailed"/>.
        /// </returns>
        public StorageStatus Plan(BootPlan plan)
        {
            plan.Clear();
            bool found;
            StorageStatus status = _journal.Load(out found);
            JournalMissing = !found;
            plan.JournalUnreadable = status != StorageStatus.Ok;
            UpdateJournal current = _journal.Current;
            _next.CopyFrom(current);
            if (!found)
            {
                Adopt(plan);
            }
            else if (current.State == UpdateState.Testing && current.TestBoots >= MaxTestBoots)
            {
                Revert(plan, BootDecision.RevertBootLimit, UpdateOutcome.RevertedBootLimit);
            }
            else if (current.State == UpdateState.Testing || current.State == UpdateState.Staged)
            {
                BundleStatus candidate = _slots.VerifyChain(current.CandidateSlot, current.CandidateDigest, current.SecurityFloor);
                plan.CandidateStatus = candidate;
                if (candidate != BundleStatus.Verified)
                {
                    Revert(plan, BootDecision.RevertCorrupt, UpdateOutcome.RevertedCorrupt);
                }
                else
                {
                    plan.Decision = current.State == UpdateState.Staged ? BootDecision.StartTest : BootDecision.ContinueTest;
                    _next.ToTesting();
                    plan.Slot = current.CandidateSlot;
                    plan.Testing = true;
                    plan.Manifest = _slots.Manifest;
                }
            }
            else if (current.State == UpdateState.Downloading && current.ResumeBoots >= MaxResumeBoots)
            {
                plan.Decision = BootDecision.AbandonDownload;
                _next.Abandoned(UpdateOutcome.DownloadFailed);
                PlanActive(plan, false);
            }
            else if (current.State == UpdateState.Downloading)
            {
                plan.Decision = BootDecision.ResumeDownload;
                _next.ResumeBooted();
                PlanActive(plan, false);
            }
            else
            {
                plan.Decision = BootDecision.BootActive;
                PlanActive(plan, false);
            }

            StorageStatus saved = SaveNext(plan);
            // The floor record lags the journal after a cut between their saves, a failed record save or an erased record:
            // raise it now (nothing is written when it does not lag, nor over an unread record). A failure is counted by the
            // journal store and retried at the next save or boot; the journal holds the floor meanwhile.
            _journal.RepairFloor();
            return status != StorageStatus.Ok ? status : saved;
        }

        /// <summary>
        /// The loader found the planned slot unusable: a payload file it loaded did not match the manifest
        /// (<see cref="UpdateOutcome.RevertedCorrupt"/>), the application did not load or its entry point is missing
        /// (<see cref="UpdateOutcome.RevertedAppFailed"/>), or there was not memory enough to load it
        /// (<see cref="UpdateOutcome.RevertedNoMemory"/>). A candidate is reverted and the active slot planned instead; the
        /// active slot, when it is the one that failed, is dropped (corrupt) or skipped for this boot (the others).
        /// </summary>
        /// <returns>The journal save status.</returns>
        public StorageStatus OnLoadFailed(BootPlan plan, UpdateOutcome outcome)
        {
            if (outcome != UpdateOutcome.RevertedCorrupt && outcome != UpdateOutcome.RevertedAppFailed && outcome != UpdateOutcome.RevertedNoMemory)
            {
                throw new System.ArgumentException("outcome must be RevertedCorrupt, RevertedAppFailed or RevertedNoMemory", "outcome");
            }

            _next.CopyFrom(_journal.Current);
            if (plan.Testing)
            {
                plan.Clear();
                Revert(plan, BootDecision.RevertLoadFailed, outcome);
            }
            else
            {
                if (outcome == UpdateOutcome.RevertedCorrupt)
                {
                    _next.ActiveDropped(false);
                    plan.ActiveStatus = BundleStatus.FileHashMismatch;
                }

                plan.Slot = -1;
                plan.Manifest = null;
                plan.ActiveVersion = null;
                plan.ActiveSecurityVersion = 0;
            }

            return SaveNext(plan);
        }

        // Rows 1 and 1b. The journal is lost, but not the floor: _next carries the floor record's (or, when only the floor
        // record was unreadable, the journal's), and only a slot at or above it is adopted, so erasing the journal and
        // damaging the newer slot never brings an older signed bundle back. When none is, nothing boots (1b).
        private void Adopt(BootPlan plan)
        {
            plan.Decision = BootDecision.AdoptInstalled;
            long floor = _next.SecurityFloor;
            BundleStatus refused = BundleStatus.FileMissing;
            int best = -1;
            if (_journal.FloorUnknown)
            {
                // Neither record could be read: any slot might be below the floor they hold, so none runs this boot
                // (Unverified: no verdict was reached). _next is already the empty journal (nothing was read into it), and
                // nothing is written while the records are unread; the next boot reads again.
                plan.ActiveStatus = BundleStatus.Unverified;
                return;
            }

            AppVersion bestVersion = null;
            long bestSecurity = -1;
            for (int slot = SlotLayout.SlotA; slot <= SlotLayout.SlotB; slot++)
            {
                BundleStatus status = _slots.VerifyChain(slot, null, floor);
                if (status != BundleStatus.Verified)
                {
                    if (status == BundleStatus.SecurityVersionRollback)
                    {
                        refused = status;
                    }

                    continue;
                }

                Manifest manifest = _slots.Manifest;
                if (best < 0 || manifest.SecurityVersion > bestSecurity
                    || (manifest.SecurityVersion == bestSecurity && manifest.Version.CompareTo(bestVersion) > 0))
                {
                    best = slot;
                    bestVersion = manifest.Version;
                    bestSecurity = manifest.SecurityVersion;
                    System.Array.Copy(_slots.Documents.ManifestDigest, 0, _adoptedDigest, 0, 32);
                }
            }

            _next.Adopted(best, _adoptedDigest, bestSecurity);
            if (best < 0)
            {
                // Rollback when a signed slot was refused for the floor alone, so the report says why nothing runs.
                plan.ActiveStatus = refused;
                return;
            }

            PlanActive(plan, false);
        }

        private void Revert(BootPlan plan, BootDecision decision, UpdateOutcome outcome)
        {
            plan.Decision = decision;
            _next.Reverted(outcome);
            PlanActive(plan, true);
        }

        // Verifies the active slot against the journal being built; a slot that fails is dropped, so the device runs without
        // an application and waits for the next update instead of running something unverified.
        private void PlanActive(BootPlan plan, bool keepOutcome)
        {
            plan.Slot = -1;
            plan.Testing = false;
            plan.Manifest = null;
            if (!_next.HasActive)
            {
                return;
            }

            BundleStatus active = _slots.VerifyChain(_next.ActiveSlot, _next.ActiveDigest, _next.SecurityFloor);
            plan.ActiveStatus = active;
            if (active != BundleStatus.Verified)
            {
                _next.ActiveDropped(keepOutcome);
                return;
            }

            plan.Slot = _next.ActiveSlot;
            plan.Manifest = _slots.Manifest;
            plan.ActiveVersion = _slots.Manifest.Version;
            plan.ActiveSecurityVersion = _slots.Manifest.SecurityVersion;
        }

        private StorageStatus SaveNext(BootPlan plan)
        {
            if (_next.SameAs(_journal.Current))
            {
                return StorageStatus.Ok;
            }

            StorageStatus saved = _journal.Save(_next);
            if (saved != StorageStatus.Ok)
            {
                plan.JournalSaveFailed = true;
                if (plan.Testing)
                {
                    // A candidate never boots without its test boot counted on flash: otherwise a crashing candidate
                    // could loop forever uncounted. Boot the active slot this time; the next boot decides again. The
                    // decision says so too, or the log would call this boot a test boot.
                    _next.CopyFrom(_journal.Current);
                    plan.Decision = BootDecision.BootActive;
                    PlanActive(plan, true);
                }
            }

            return saved;
        }
    }
}
