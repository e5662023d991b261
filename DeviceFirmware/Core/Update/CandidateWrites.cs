using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The flash writes that carry a candidate into Downloading, Staged and Confirmed, in the order a power cut at any point
    /// requires (the power-loss sweeps cut at each of them): a superseded download leaves the journal before its slot is
    /// touched, and the slot holds the verified documents before the journal says Downloading; the candidate's revocations
    /// are saved before the journal says Staged; the running versions change in RAM only after the confirmation was saved.
    /// The engine calls one method per transition, then enters the state; each answers null when every write succeeded,
    /// else one line naming the write that failed, and what a failure means stays the engine's decision.
    /// </summary>
    public sealed class CandidateWrites
    {
        private readonly JournalStore _journal;
        private readonly RevocationStore _revocations;
        private readonly InstallContext _device;
        private readonly SlotPreparation _preparation;

        /// <summary>Writes over <paramref name="store"/> through the engine's journal and revocations; <paramref name="device"/> gets the confirmed versions.</summary>
        public CandidateWrites(IFileStore store, JournalStore journal, RevocationStore revocations, InstallContext device)
        {
            _journal = journal;
            _revocations = revocations;
            _device = device;
            _preparation = new SlotPreparation(store);
        }

        /// <summary>
        /// Ends the download the journal holds (if any), empties the candidate slot, writes <paramref name="documents"/>
        /// into it and journals Downloading from <paramref name="url"/>.
        /// </summary>
        public string Download(BundleDocuments documents, string url)
        {
            UpdateJournal current = _journal.Current;
            if (current.State != UpdateState.Idle && _journal.SaveAbandoned(current.LastOutcome) != StorageStatus.Ok)
            {
                return "saving the journal";
            }

            if (_preparation.Prepare(current.CandidateSlot, documents) != StorageStatus.Ok)
            {
                return _preparation.Detail;
            }

            return _journal.SaveDownloading(url, documents.ManifestDigest) != StorageStatus.Ok ? "saving the journal" : null;
        }

        /// <summary>Saves the revocations <paramref name="candidate"/> carries, then journals Staged.</summary>
        public string Stage(Manifest candidate)
        {
            return _revocations.AddFrom(candidate) != StorageStatus.Ok ? "saving revocations"
                : _journal.SaveStaged() != StorageStatus.Ok ? "saving the journal" : null;
        }

        /// <summary>Journals <paramref name="candidate"/> confirmed (its security version the new floor), then runs it as the device's version.</summary>
        public string Confirm(Manifest candidate)
        {
            if (_journal.SaveConfirmed(candidate.SecurityVersion) != StorageStatus.Ok)
            {
                return "saving the journal";
            }

            _device.CurrentVersion = candidate.Version;
            _device.CurrentSecurityVersion = candidate.SecurityVersion;
            return null;
        }
    }
}
