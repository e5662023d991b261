using SecureDevice.Core.Bundle;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Decides whether the documents <see cref="DocumentFetch"/> brought in may be installed, before the flash is touched:
    /// the manifest is the one the offer pinned, it is not a bundle that already failed on this device, its signature
    /// chain verifies against the trust anchors and the revocation list, and the install policy (product, hardware,
    /// loader, version, security floor, validity) accepts it. Reads the journal, never writes it; sets the install
    /// context's floor and running versions from the journal before the policy reads them.
    /// </summary>
    public sealed class BundleAdmission
    {
        private readonly SlotVerifier _slots;
        private readonly RevocationStore _revocations;
        private readonly InstallContext _device;

        /// <summary>Creates the check over the engine's verifier, revocations and install context.</summary>
        public BundleAdmission(SlotVerifier slots, RevocationStore revocations, InstallContext device)
        {
            _slots = slots;
            _revocations = revocations;
            _device = device;
        }

        /// <summary>The verified manifest after an admission, else the last one.</summary>
        public Manifest Manifest { get; private set; }

        /// <summary>One line explaining the last refusal.</summary>
        public string Detail { get; private set; }

        /// <summary>Checks the fetched documents against <paramref name="offer"/> and <paramref name="journal"/> at <paramref name="utcSeconds"/>.</summary>
        /// <returns>
        /// <see cref="UpdateOutcome.None"/> when admitted (then <see cref="Manifest"/> is set); else the outcome the offer
        /// ends in: <see cref="UpdateOutcome.OfferMismatch"/>, <see cref="UpdateOutcome.KnownBad"/>, or a rejection
        /// (<see cref="UpdateOutcomes.Rejected"/> of the verifier's or the policy's status).
        /// </returns>
        public UpdateOutcome Admit(OfferIntake offer, UpdateJournal journal, long utcSeconds, bool timeKnown)
        {
            BundleDocuments documents = _slots.Documents;
            documents.ComputeDigest();
            if (offer.Mismatches(documents.ManifestDigest))
            {
                return Refuse(UpdateOutcome.OfferMismatch, "the manifest served is not the one offered");
            }

            if (journal.State == UpdateState.Idle && UpdateOutcomes.IsCandidateFailure(journal.LastOutcome)
                && ByteRange.ConstantTimeEquals(journal.CandidateDigest, 0, documents.ManifestDigest, 0, 32))
            {
                return Refuse(UpdateOutcome.KnownBad, "this bundle already failed: " + UpdateOutcomes.Name(journal.LastOutcome));
            }

            BundleVerifier verifier = _slots.Verifier;
            BundleStatus status = documents.VerifyForInstall(verifier, _revocations.List, utcSeconds, timeKnown);
            if (status != BundleStatus.Verified)
            {
                return Refuse(UpdateOutcomes.Rejected(status), verifier.Detail);
            }

            Manifest manifest = verifier.Manifest;
            _device.SecurityFloor = journal.SecurityFloor;
            if (!journal.HasActive)
            {
                _device.CurrentVersion = null;
                _device.CurrentSecurityVersion = 0;
            }

            status = InstallPolicy.Check(manifest, _device, utcSeconds, timeKnown);
            if (status != BundleStatus.Verified)
            {
                return Refuse(UpdateOutcomes.Rejected(status), "bundle " + manifest.Version.ToString() + " refused: " + BundleStatusText.Name(status));
            }

            Manifest = manifest;
            return UpdateOutcome.None;
        }

        private UpdateOutcome Refuse(UpdateOutcome outcome, string detail)
        {
            Detail = detail;
            return outcome;
        }
    }
}
