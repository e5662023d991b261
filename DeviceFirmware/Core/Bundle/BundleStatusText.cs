namespace SecureDevice.Core.Bundle
{
    /// <summary>Stable, lower-case, hyphenated names for <see cref="BundleStatus"/> values, used in tool output and reports.</summary>
    public static class BundleStatusText
    {
        /// <summary>The name of <paramref name="status"/>, e.g. "key-revoked".</summary>
        public static string Name(BundleStatus status)
        {
            switch (status)
            {
                case BundleStatus.Verified: return "verified";
                case BundleStatus.DelegationMalformed: return "delegation-malformed";
                case BundleStatus.UnknownRoot: return "unknown-root";
                case BundleStatus.DelegationSignatureInvalid: return "bad-delegation-signature";
                case BundleStatus.DelegationNotYetValid: return "delegation-not-yet-valid";
                case BundleStatus.DelegationExpired: return "expired-delegation";
                case BundleStatus.KeyRevoked: return "revoked-key";
                case BundleStatus.ManifestMalformed: return "malformed-manifest";
                case BundleStatus.ManifestSignatureInvalid: return "bad-signature";
                case BundleStatus.SignerMismatch: return "signer-mismatch";
                case BundleStatus.ProductNotDelegated: return "product-not-delegated";
                case BundleStatus.SecurityVersionNotDelegated: return "security-version-not-delegated";
                case BundleStatus.TimeUnknown: return "time-unknown";
                case BundleStatus.WrongProduct: return "wrong-product";
                case BundleStatus.WrongHardware: return "wrong-hardware";
                case BundleStatus.LoaderTooOld: return "loader-too-old";
                case BundleStatus.ManifestExpired: return "expired-manifest";
                case BundleStatus.SecurityVersionRollback: return "rollback";
                case BundleStatus.VersionDowngrade: return "downgrade";
                case BundleStatus.AlreadyInstalled: return "already-installed";
                case BundleStatus.FileMissing: return "file-missing";
                case BundleStatus.FileSizeMismatch: return "size-mismatch";
                case BundleStatus.FileHashMismatch: return "hash-mismatch";
                case BundleStatus.SignatureMalformed: return "malformed-signature";
                case BundleStatus.SlotMismatch: return "slot-mismatch";
                case BundleStatus.TooLarge: return "too-large";
                default: return "unverified";
            }
        }
    }
}
