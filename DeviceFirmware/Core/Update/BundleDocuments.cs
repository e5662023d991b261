using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The three signed documents of a bundle (manifest, its signature, the signer delegation) in buffers sized once to
    /// the format's limits: 4096 + 64 + 1098 bytes. Filled from the network when an offer arrives and from a slot at
    /// boot; the manifest's SHA-256 identifies the bundle in the journal.
    /// </summary>
    public sealed class BundleDocuments
    {
        private readonly Sha256 _sha256 = new Sha256();

        /// <summary>Allocates the buffers.</summary>
        public BundleDocuments()
        {
            Manifest = new byte[ManifestParser.MaxManifestBytes];
            Signature = new byte[Ed25519Verifier.SignatureSize];
            Delegation = new byte[DelegationParser.MaxFileBytes];
            ManifestDigest = new byte[Sha256.HashSizeBytes];
        }

        /// <summary>Manifest bytes: <c>Manifest[0, ManifestLength)</c>.</summary>
        public byte[] Manifest { get; private set; }

        /// <summary>Bytes used in <see cref="Manifest"/>.</summary>
        public int ManifestLength { get; set; }

        /// <summary>Signature bytes: <c>Signature[0, SignatureLength)</c>.</summary>
        public byte[] Signature { get; private set; }

        /// <summary>Bytes used in <see cref="Signature"/>.</summary>
        public int SignatureLength { get; set; }

        /// <summary>Delegation bytes: <c>Delegation[0, DelegationLength)</c>.</summary>
        public byte[] Delegation { get; private set; }

        /// <summary>Bytes used in <see cref="Delegation"/>.</summary>
        public int DelegationLength { get; set; }

        /// <summary>SHA-256 of the manifest, after <see cref="ComputeDigest"/>.</summary>
        public byte[] ManifestDigest { get; private set; }

        /// <summary>Total bytes of the buffers (a fixed figure for memory budgets).</summary>
        public int BufferBytes
        {
            get { return Manifest.Length + Signature.Length + Delegation.Length + ManifestDigest.Length; }
        }

        /// <summary>The buffer for document <paramref name="index"/> (0 manifest, 1 signature, 2 delegation).</summary>
        public byte[] Buffer(int index)
        {
            return index == 0 ? Manifest : index == 1 ? Signature : Delegation;
        }

        /// <summary>The slot file name of document <paramref name="index"/> (0..2; any other index is a caller bug and throws).</summary>
        public static string FileName(int index)
        {
            // Every other accessor maps an index above 1 to the delegation: a loop counting the wrong way must fail here
            // at once, not read the delegation forever.
            if (index < 0 || index > 2)
            {
                throw new System.ArgumentOutOfRangeException("index");
            }

            return index == 0 ? SlotLayout.Manifest : index == 1 ? SlotLayout.Signature : SlotLayout.Delegation;
        }

        /// <summary>The used length of document <paramref name="index"/>.</summary>
        public int LengthOf(int index)
        {
            return index == 0 ? ManifestLength : index == 1 ? SignatureLength : DelegationLength;
        }

        /// <summary>Sets the used length of document <paramref name="index"/>.</summary>
        public void SetLength(int index, int length)
        {
            if (index == 0)
            {
                ManifestLength = length;
            }
            else if (index == 1)
            {
                SignatureLength = length;
            }
            else
            {
                DelegationLength = length;
            }
        }

        /// <summary>The status that describes document <paramref name="index"/> being too large or unreadable.</summary>
        public static BundleStatus MalformedStatus(int index)
        {
            return index == 0 ? BundleStatus.ManifestMalformed : index == 1 ? BundleStatus.SignatureMalformed : BundleStatus.DelegationMalformed;
        }

        /// <summary>Computes <see cref="ManifestDigest"/> over the manifest bytes.</summary>
        public void ComputeDigest()
        {
            _sha256.Hash(Manifest, 0, ManifestLength, ManifestDigest, 0);
        }

        /// <summary>Verifies the chain for installing (see <see cref="BundleVerifier.VerifyForInstall"/>).</summary>
        public BundleStatus VerifyForInstall(BundleVerifier verifier, RevocationList revoked, long nowUnixSeconds, bool timeKnown)
        {
            return verifier.VerifyForInstall(Manifest, 0, ManifestLength, Signature, 0, SignatureLength, Delegation, 0, DelegationLength,
                revoked, nowUnixSeconds, timeKnown);
        }

        /// <summary>Verifies the chain for booting (see <see cref="BundleVerifier.VerifyForBoot"/>).</summary>
        public BundleStatus VerifyForBoot(BundleVerifier verifier)
        {
            return verifier.VerifyForBoot(Manifest, 0, ManifestLength, Signature, 0, SignatureLength, Delegation, 0, DelegationLength);
        }
    }
}
