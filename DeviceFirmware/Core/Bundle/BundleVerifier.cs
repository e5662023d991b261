using SecureDevice.Core.Crypto;
using SecureDevice.Core.Text;

namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// Verifies the signature chain of a bundle: root → delegation → manifest (docs/bundle-format.md).
    /// <para>
    /// <see cref="VerifyForInstall"/> is used when a bundle is offered: it also enforces the delegation's validity window,
    /// the revocation list and the delegation's constraints (products, lowest security version).
    /// <see cref="VerifyForBoot"/> is used by the loader before it loads an installed slot: it re-checks the signatures and
    /// the delegation's constraints but not time or revocation, because time is often unknown at boot and an image accepted
    /// earlier must stay bootable when its key is revoked later (revocation stops new installs, not the fallback image).
    /// </para>
    /// Holds one Ed25519 verifier and the parsers; verification allocates only the parsed documents.
    /// One instance serves one thread.
    /// </summary>
    public sealed class BundleVerifier
    {
        private readonly TrustAnchors _anchors;
        private readonly Ed25519Verifier _ed25519 = new Ed25519Verifier();
        private readonly ManifestParser _manifestParser = new ManifestParser();
        private readonly DelegationParser _delegationParser = new DelegationParser();

        /// <summary>Creates a verifier trusting <paramref name="anchors"/> (kept by reference).</summary>
        public BundleVerifier(TrustAnchors anchors)
        {
            if (anchors == null)
            {
                throw new System.ArgumentNullException("anchors");
            }

            _anchors = anchors;
        }

        /// <summary>One line explaining the last failure (includes the byte offset for malformed documents).</summary>
        public string Detail { get; private set; }

        /// <summary>The delegation of the last successful or partly successful verification, or null.</summary>
        public Delegation Delegation { get; private set; }

        /// <summary>The manifest of the last successful verification, or null.</summary>
        public Manifest Manifest { get; private set; }

        /// <summary>
        /// Full check for installing: signatures, delegation window at <paramref name="nowUnixSeconds"/> (requires
        /// <paramref name="timeKnown"/>), revocation of the signing key, delegation constraints.
        /// </summary>
        /// <returns><see cref="BundleStatus.Verified"/> (then <see cref="Manifest"/> and <see cref="Delegation"/> are set) or the first failure.</returns>
        public BundleStatus VerifyForInstall(
            byte[] manifest, int manifestOffset, int manifestCount,
            byte[] signature, int signatureOffset, int signatureCount,
            byte[] delegation, int delegationOffset, int delegationCount,
            RevocationList revoked, long nowUnixSeconds, bool timeKnown)
        {
            return Verify(manifest, manifestOffset, manifestCount, signature, signatureOffset, signatureCount,
                delegation, delegationOffset, delegationCount, revoked, nowUnixSeconds, timeKnown, true);
        }

        /// <summary>Signature chain and delegation constraints only (no time, no revocation), for the loader at boot.</summary>
        public BundleStatus VerifyForBoot(
            byte[] manifest, int manifestOffset, int manifestCount,
            byte[] signature, int signatureOffset, int signatureCount,
            byte[] delegation, int delegationOffset, int delegationCount)
        {
            return Verify(manifest, manifestOffset, manifestCount, signature, signatureOffset, signatureCount,
                delegation, delegationOffset, delegationCount, null, 0, false, false);
        }

        private BundleStatus Verify(
            byte[] manifestBytes, int manifestOffset, int manifestCount,
            byte[] signature, int signatureOffset, int signatureCount,
            byte[] delegationBytes, int delegationOffset, int delegationCount,
            RevocationList revoked, long now, bool timeKnown, bool forInstall)
        {
            BundleStatus status = BundleStatus.Unverified;
            Manifest = null;
            Delegation = null;
            Detail = null;

            Delegation delegation;
            DocumentStatus delegationStatus = _delegationParser.TryParse(delegationBytes, delegationOffset, delegationCount, out delegation);
            if (delegationStatus != DocumentStatus.Valid)
            {
                return Fail(BundleStatus.DelegationMalformed, _delegationParser.Describe(delegationStatus));
            }

            int root = _anchors.IndexOf(delegation.RootFingerprint, 0);
            if (root < 0)
            {
                return Fail(BundleStatus.UnknownRoot, "delegation names an untrusted root");
            }

            Ed25519Status rootSignature = _ed25519.Verify(_anchors.PublicKey(root), 0, delegationBytes, delegationOffset, delegation.SignedLength, delegation.Signature, 0);
            if (rootSignature != Ed25519Status.Valid)
            {
                return Fail(BundleStatus.DelegationSignatureInvalid, "root signature over the delegation is invalid");
            }

            Delegation = delegation;
            if (forInstall)
            {
                if (!timeKnown)
                {
                    return Fail(BundleStatus.TimeUnknown, "no trusted time to check the delegation's validity");
                }

                if (now < delegation.NotBeforeUnixSeconds)
                {
                    return Fail(BundleStatus.DelegationNotYetValid, "delegation " + delegation.KeyId + " is not yet valid");
                }

                if (now >= delegation.NotAfterUnixSeconds)
                {
                    return Fail(BundleStatus.DelegationExpired, "delegation " + delegation.KeyId + " has expired");
                }

                if (revoked != null && revoked.Contains(delegation.KeyId))
                {
                    return Fail(BundleStatus.KeyRevoked, "signing key " + delegation.KeyId + " is revoked");
                }
            }

            if (signatureCount != Ed25519Verifier.SignatureSize)
            {
                return Fail(BundleStatus.SignatureMalformed, "manifest signature must be 64 bytes");
            }

            ByteRange.Check(signature, signatureOffset, signatureCount);
            ByteRange.Check(manifestBytes, manifestOffset, manifestCount);
            if (manifestCount > ManifestParser.MaxManifestBytes)
            {
                return Fail(BundleStatus.ManifestMalformed, "malformed manifest: larger than 4096 bytes");
            }

            // The signature is checked before the manifest is parsed: unauthenticated bytes never reach the parser.
            Ed25519Status manifestSignature = _ed25519.Verify(delegation.PublicKey, 0, manifestBytes, manifestOffset, manifestCount, signature, signatureOffset);
            if (manifestSignature != Ed25519Status.Valid)
            {
                return Fail(BundleStatus.ManifestSignatureInvalid, "manifest signature is invalid for key " + delegation.KeyId);
            }

            Manifest manifest;
            DocumentStatus manifestStatus = _manifestParser.TryParse(manifestBytes, manifestOffset, manifestCount, out manifest);
            if (manifestStatus != DocumentStatus.Valid)
            {
                return Fail(BundleStatus.ManifestMalformed, _manifestParser.Describe(manifestStatus));
            }

            if (manifest.KeyId != delegation.KeyId)
            {
                return Fail(BundleStatus.SignerMismatch, "manifest names key " + manifest.KeyId + " but was signed by " + delegation.KeyId);
            }

            if (!delegation.AllowsProduct(manifest.Product))
            {
                return Fail(BundleStatus.ProductNotDelegated, "key " + delegation.KeyId + " may not sign for product " + manifest.Product);
            }

            if (manifest.SecurityVersion < delegation.MinSecurityVersion)
            {
                return Fail(BundleStatus.SecurityVersionNotDelegated, "key " + delegation.KeyId + " may sign only security version " + delegation.MinSecurityVersion.ToString() + " and up");
            }

            Manifest = manifest;
            status = BundleStatus.Verified;
            return status;
        }

        private BundleStatus Fail(BundleStatus status, string detail)
        {
            Detail = detail;
            return status;
        }
    }
}
