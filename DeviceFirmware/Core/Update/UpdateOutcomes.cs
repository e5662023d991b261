using SecureDevice.Core.Bundle;

namespace SecureDevice.Core.Update
{
    /// <summary>Rejections, classification and names of <see cref="UpdateOutcome"/> values.</summary>
    public static class UpdateOutcomes
    {
        /// <summary>The rejection outcome for <paramref name="status"/>.</summary>
        public static UpdateOutcome Rejected(BundleStatus status)
        {
            return UpdateOutcome.Rejected + (int)status;
        }

        /// <summary>True when <paramref name="outcome"/> is a rejection (<see cref="Rejected"/>).</summary>
        public static bool IsRejection(UpdateOutcome outcome)
        {
            return outcome >= UpdateOutcome.Rejected;
        }

        /// <summary>The bundle status that caused a rejection; <see cref="BundleStatus.Unverified"/> for any other outcome.</summary>
        public static BundleStatus RejectionReason(UpdateOutcome outcome)
        {
            return IsRejection(outcome) ? (BundleStatus)(outcome - UpdateOutcome.Rejected) : BundleStatus.Unverified;
        }

        /// <summary>True when <paramref name="outcome"/> ended a candidate that had reached the flash for a reason that a retry of the same bundle would repeat.</summary>
        public static bool IsCandidateFailure(UpdateOutcome outcome)
        {
            // RevertedCorrupt and StorageFailed are not here: they blame this device's flash, not the bundle.
            return outcome == UpdateOutcome.RevertedBootLimit || outcome == UpdateOutcome.RevertedTimeout || outcome == UpdateOutcome.RevertedAppFailed
                || outcome == UpdateOutcome.RevertedNoMemory || IsRejection(outcome);
        }

        /// <summary>Stable lower-case name of an outcome.</summary>
        public static string Name(UpdateOutcome outcome)
        {
            if (IsRejection(outcome))
            {
                return "rejected:" + BundleStatusText.Name(RejectionReason(outcome));
            }

            switch (outcome)
            {
                case UpdateOutcome.Confirmed: return "confirmed";
                case UpdateOutcome.RevertedBootLimit: return "reverted:boot-limit";
                case UpdateOutcome.RevertedTimeout: return "reverted:timeout";
                case UpdateOutcome.RevertedAppFailed: return "reverted:app-failed";
                case UpdateOutcome.RevertedCorrupt: return "reverted:corrupt";
                case UpdateOutcome.DownloadFailed: return "download-failed";
                case UpdateOutcome.StorageFailed: return "storage-failed";
                case UpdateOutcome.MalformedOffer: return "malformed-offer";
                case UpdateOutcome.Busy: return "busy";
                case UpdateOutcome.ActiveCorrupt: return "active-corrupt";
                case UpdateOutcome.Staged: return "staged";
                case UpdateOutcome.OfferMismatch: return "offer-mismatch";
                case UpdateOutcome.KnownBad: return "known-bad";
                case UpdateOutcome.RevertedNoMemory: return "reverted:no-memory";
                default: return "none";
            }
        }
    }
}
