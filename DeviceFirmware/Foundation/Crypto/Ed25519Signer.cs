using System;

namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// Ed25519 key derivation and signing (RFC 8032 §5.1.5, §5.1.6). Used by the host signing tool and the tests; the device
    /// only verifies. Secret-dependent work (the base-point multiplication) runs in constant time; all working memory is
    /// allocated by the constructor and wiped after each call. One instance serves one thread.
    /// </summary>
    public sealed class Ed25519Signer
    {
        /// <summary>Private key (seed) length in bytes.</summary>
        public const int SeedSize = 32;

        private readonly Ed25519Group _group = new Ed25519Group();
        private readonly Sha512 _sha512 = new Sha512();
        private readonly byte[] _expanded = new byte[Sha512.HashSizeBytes];
        private readonly byte[] _digest = new byte[Sha512.HashSizeBytes];
        private readonly byte[] _r = new byte[Scalar25519.Size];
        private readonly byte[] _k = new byte[Scalar25519.Size];
        private readonly byte[] _publicKey = new byte[Ed25519Verifier.PublicKeySize];
        private readonly long[] _scalarScratch = new long[Scalar25519.ScratchSize];
        private readonly Ed25519Point _point = new Ed25519Point();
        private readonly Ed25519CachedPoint[] _baseWindowTable = Ed25519Group.NewTable(Ed25519Group.WindowTableSize);

        /// <summary>Creates a signer; builds its table of the multiples 0·B .. 15·B of the base point.</summary>
        public Ed25519Signer()
        {
            _group.TryDecode(_point, Ed25519Group.EncodedBasePoint, 0);
            _group.FillWindowTable(_baseWindowTable, _point);
        }

        /// <summary>Writes the 32-byte public key for the 32-byte <paramref name="seed"/> at <paramref name="seedOffset"/>.</summary>
        public void DerivePublicKey(byte[] seed, int seedOffset, byte[] publicKey, int publicKeyOffset)
        {
            ByteRange.Check(seed, seedOffset, SeedSize);
            ByteRange.Check(publicKey, publicKeyOffset, Ed25519Verifier.PublicKeySize);
            ExpandSeed(seed, seedOffset);
            _group.ScalarMultiplyBase(_point, _expanded, 0, _baseWindowTable);
            _group.Encode(publicKey, publicKeyOffset, _point);
            Wipe();
        }

        /// <summary>
        /// Writes the 64-byte signature of <c>message[messageOffset, +messageLength)</c> under the 32-byte
        /// <paramref name="seed"/> to <paramref name="signature"/> at <paramref name="signatureOffset"/>.
        /// The public key is derived from the seed, so a mismatched key can never be mixed in.
        /// </summary>
        public void Sign(byte[] seed, int seedOffset, byte[] message, int messageOffset, int messageLength, byte[] signature, int signatureOffset)
        {
            ByteRange.Check(seed, seedOffset, SeedSize);
            ByteRange.Check(message, messageOffset, messageLength);
            ByteRange.Check(signature, signatureOffset, Ed25519Verifier.SignatureSize);
            ExpandSeed(seed, seedOffset);
            _group.ScalarMultiplyBase(_point, _expanded, 0, _baseWindowTable);
            _group.Encode(_publicKey, 0, _point);

            // r = SHA-512(prefix || M) mod L; R = [r]B.
            _sha512.Reset();
            _sha512.Append(_expanded, 32, 32);
            _sha512.Append(message, messageOffset, messageLength);
            _sha512.Finish(_digest, 0);
            Scalar25519.ReduceWide(_digest, 0, _r, 0, _scalarScratch);
            _group.ScalarMultiplyBase(_point, _r, 0, _baseWindowTable);
            _group.Encode(signature, signatureOffset, _point);

            // k = SHA-512(R || A || M) mod L; S = r + k·s mod L.
            _sha512.Reset();
            _sha512.Append(signature, signatureOffset, 32);
            _sha512.Append(_publicKey, 0, 32);
            _sha512.Append(message, messageOffset, messageLength);
            _sha512.Finish(_digest, 0);
            Scalar25519.ReduceWide(_digest, 0, _k, 0, _scalarScratch);
            Scalar25519.MultiplyAdd(signature, signatureOffset + 32, _k, 0, _expanded, 0, _r, 0, _scalarScratch);
            Wipe();
        }

        // _expanded[0..32) becomes the clamped secret scalar s, _expanded[32..64) the nonce prefix.
        private void ExpandSeed(byte[] seed, int seedOffset)
        {
            _sha512.Reset();
            _sha512.Append(seed, seedOffset, SeedSize);
            _sha512.Finish(_expanded, 0);
            _expanded[0] &= 248;
            _expanded[31] &= 127;
            _expanded[31] |= 64;
        }

        private void Wipe()
        {
            Array.Clear(_expanded, 0, _expanded.Length);
            Array.Clear(_digest, 0, _digest.Length);
            Array.Clear(_r, 0, _r.Length);
            Array.Clear(_scalarScratch, 0, _scalarScratch.Length);
        }
    }
}
