namespace SecureDevice.Core.Update
{
    /// <summary>
    /// How the last update ended, reported in health reports (key 7 index 3) and update events, and kept in the journal.
    /// A rejection is <see cref="Rejected"/> plus the <see cref="Bundle.BundleStatus"/> that refused the bundle
    /// (<see cref="UpdateOutcomes.Rejected"/>), so every reason stays specific. The numeric values are the wire and
    /// journal codes (<see cref="UpdateOutcomeCode"/>): never renumber a member, a device in the field has them on flash
    /// and the service decodes them.
    /// </summary>
    public enum UpdateOutcome
    {
        /// <summary>No update since boot.</summary>
        None = 0,

        /// <summary>The new slot passed its test and is now the active slot.</summary>
        Confirmed = 1,

        /// <summary>Reverted: the new slot did not confirm within the allowed boots.</summary>
        RevertedBootLimit = 2,

        /// <summary>Reverted: the new slot did not confirm within the time limit of a boot.</summary>
        RevertedTimeout = 3,

        /// <summary>Reverted: the new application failed to load or start.</summary>
        RevertedAppFailed = 4,

        /// <summary>Reverted: the new slot no longer verified at boot (flash corrupted after staging).</summary>
        RevertedCorrupt = 5,

        /// <summary>Given up: the download kept failing.</summary>
        DownloadFailed = 6,

        /// <summary>Given up: the flash refused writes.</summary>
        StorageFailed = 7,

        /// <summary>The offer message was malformed.</summary>
        MalformedOffer = 8,

        /// <summary>An offer arrived while a new slot was under test.</summary>
        Busy = 9,

        /// <summary>The active slot failed verification at boot; the device runs without an application until the next update.</summary>
        ActiveCorrupt = 10,

        /// <summary>The update was staged (reported until the reboot that tests it).</summary>
        Staged = 11,

        /// <summary>The fetched manifest is not the one the offer named (its SHA-256 differs).</summary>
        OfferMismatch = 12,

        /// <summary>
        /// The offered bundle is the one whose update last failed after its download began (reverted, or its payload
        /// rejected): it is not fetched again, so a service that keeps offering a bad bundle cannot make the device
        /// download and reboot in a loop. Publish a new bundle instead.
        /// </summary>
        KnownBad = 13,

        /// <summary>
        /// Reverted: the loader had not enough free memory to load the new application (checked before loading, or
        /// <c>OutOfMemoryException</c> while loading). A bundle within the install-time size limit can still need more
        /// than a fragmented heap offers; the same bundle would fail again, so it counts as the bundle's failure.
        /// </summary>
        RevertedNoMemory = 14,

        /// <summary>Rejected: the base of the rejections, this + the <see cref="Bundle.BundleStatus"/> (<see cref="UpdateOutcomes.Rejected"/>).</summary>
        Rejected = 32,
    }
}
