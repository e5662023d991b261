namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// Outcome of checking an update bundle, reported by the device as its rejection reason. Only <see cref="Verified"/> is
    /// a success; verification starts from <see cref="Unverified"/> and reaches <see cref="Verified"/> only after every check.
    /// Values are stable: they go into telemetry and the update journal.
    /// </summary>
    public enum BundleStatus
    {
        /// <summary>Not verified (the initial, failing value).</summary>
        Unverified = 0,

        /// <summary>Every check passed.</summary>
        Verified = 1,

        /// <summary>The delegation file is malformed.</summary>
        DelegationMalformed = 2,

        /// <summary>The delegation names a root this device does not trust.</summary>
        UnknownRoot = 3,

        /// <summary>The root's signature over the delegation is invalid.</summary>
        DelegationSignatureInvalid = 4,

        /// <summary>The delegation's validity has not started.</summary>
        DelegationNotYetValid = 5,

        /// <summary>The delegation has expired.</summary>
        DelegationExpired = 6,

        /// <summary>The signing key id is revoked.</summary>
        KeyRevoked = 7,

        /// <summary>The manifest is malformed or over a limit.</summary>
        ManifestMalformed = 8,

        /// <summary>The manifest signature is invalid for the delegated key.</summary>
        ManifestSignatureInvalid = 9,

        /// <summary>The manifest's key id is not the delegated key's id.</summary>
        SignerMismatch = 10,

        /// <summary>The delegation does not allow this product.</summary>
        ProductNotDelegated = 11,

        /// <summary>The manifest's security version is below the delegation's minimum.</summary>
        SecurityVersionNotDelegated = 12,

        /// <summary>A time-dependent check is needed but the device has no trusted time yet.</summary>
        TimeUnknown = 13,

        /// <summary>The bundle is for another product.</summary>
        WrongProduct = 14,

        /// <summary>The bundle does not list this hardware model.</summary>
        WrongHardware = 15,

        /// <summary>The bundle needs a newer loader.</summary>
        LoaderTooOld = 16,

        /// <summary>The manifest has expired.</summary>
        ManifestExpired = 17,

        /// <summary>The security version is below the device's anti-rollback floor.</summary>
        SecurityVersionRollback = 18,

        /// <summary>The app version is older than the running one without a higher security version.</summary>
        VersionDowngrade = 19,

        /// <summary>The same version and security version is already installed.</summary>
        AlreadyInstalled = 20,

        /// <summary>A payload file is missing.</summary>
        FileMissing = 21,

        /// <summary>A payload file has the wrong size.</summary>
        FileSizeMismatch = 22,

        /// <summary>A payload file's SHA-256 differs from the manifest's.</summary>
        FileHashMismatch = 23,

        /// <summary>The manifest signature file is not exactly 64 bytes.</summary>
        SignatureMalformed = 24,

        /// <summary>An installed slot's manifest is not the one the update journal recorded for it (SHA-256 differs).</summary>
        SlotMismatch = 25,

        /// <summary>
        /// The bundle's payload is larger than this loader can hold in memory (<see cref="InstallContext.MaxPayloadBytes"/>):
        /// nanoFramework loads an application from a byte array that stays in the managed heap, so an oversized bundle
        /// would run the board out of memory at every boot.
        /// </summary>
        TooLarge = 26,
    }
}
