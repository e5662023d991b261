namespace SecureDevice.Core.Update
{
    /// <summary>
    /// How the last update ended, reported in health reports (key 7 index 3) and update events. A rejection is
    /// <see cref="RejectedBase"/> + the <see cref="Bundle.BundleStatus"/> value, so every reason stays specific.
    /// </summary>
    public static class UpdateOutcome
    {
        /// <summary>No update since boot.</summary>
        public const int None = 0;

        /// <summary>The new slot passed its test and is now the active slot.</summary>
        public const int Confirmed = 1;

        /// <summary>Reverted: the new slot did not confirm within the allowed boots.</summary>
        public const int RevertedBootLimit = 2;

        /// <summary>Reverted: the new slot did not confirm within the time limit of a boot.</summary>
        public const int RevertedTimeout = 3;

        /// <summary>Reverted: the new application failed to load or start.</summary>
        public const int RevertedAppFailed = 4;

        /// <summary>Reverted: the new slot no longer verified at boot (flash corrupted after staging).</summary>
        public const int RevertedCorrupt = 5;

        /// <summary>Given up: the download kept failing.</summary>
        public const int DownloadFailed = 6;

        /// <summary>Given up: the flash refused writes.</summary>
        public const int StorageFailed = 7;

        /// <summary>The offer message was malformed.</summary>
        public const int MalformedOffer = 8;

        /// <summary>An offer arrived while a new slot was under test.</summary>
        public const int Busy = 9;

        /// <summary>The active slot failed verification at boot; the device runs without an application until the next update.</summary>
        public const int ActiveCorrupt = 10;

        /// <summary>The update was staged (reported until the reboot that tests it).</summary>
        public const int Staged = 11;

        /// <summary>The fetched manifest is not the one the offer named (its SHA-256 differs).</summary>
        public const int OfferMismatch = 12;

        /// <summary>
        /// The offered bundle is the one whose update last failed after its download began (reverted, or its payload
        /// rejected): it is not fetched again, so a service that keeps offering a bad bundle cannot make the device
        /// download and reboot in a loop. Publish a new bundle instead.
        /// </summary>
        public const int KnownBad = 13;

        /// <summary>
        /// Reverted: the loader had not enough free memory to load the new application (checked before loading, or
        /// <c>OutOfMemoryException</c> while loading). A bundle within the install-time size limit can still need more
        /// than a fragmented heap offers; the same bundle would fail again, so it counts as the bundle's failure.
        /// </summary>
        public const int RevertedNoMemory = 14;

        /// <summary>Rejections: this + <see cref="Bundle.BundleStatus"/>.</summary>
        public const int RejectedBase = 32;

        /// <summary>The rejection outcome for <paramref name="status"/>.</summary>
        public static int Rejected(Bundle.BundleStatus status)
        {
            return RejectedBase + (int)status;
        }

        /// <summary>True when <paramref name="outcome"/> ended a candidate that had reached the flash for a reason that a retry of the same bundle would repeat.</summary>
        public static bool IsCandidateFailure(int outcome)
        {
            // RevertedCorrupt and StorageFailed are not here: they blame this device's flash, not the bundle.
            return outcome == RevertedBootLimit || outcome == RevertedTimeout || outcome == RevertedAppFailed || outcome == RevertedNoMemory || outcome >= RejectedBase;
        }

        /// <summary>Stable lower-case name of an outcome code.</summary>
        public static string Name(int outcome)
        {
            if (outcome >= RejectedBase)
            {
                return "rejected:" + Bundle.BundleStatusText.Name((Bundle.BundleStatus)(outcome - RejectedBase));
            }

            switch (outcome)
            {
                case Confirmed: return "confirmed";
                case RevertedBootLimit: return "reverted:boot-limit";
                case RevertedTimeout: return "reverted:timeout";
                case RevertedAppFailed: return "reverted:app-failed";
                case RevertedCorrupt: return "reverted:corrupt";
                case DownloadFailed: return "download-failed";
                case StorageFailed: return "storage-failed";
                case MalformedOffer: return "malformed-offer";
                case Busy: return "busy";
                case ActiveCorrupt: return "active-corrupt";
                case Staged: return "staged";
                case OfferMismatch: return "offer-mismatch";
                case KnownBad: return "known-bad";
                case RevertedNoMemory: return "reverted:no-memory";
                default: return "none";
            }
        }
    }
}
