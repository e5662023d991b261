namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// Strict Ed25519 signature verification (RFC 8032 §5.1.7), cofactorless: accepts only when
    /// [S]B = R + [k]A with k = SHA-512(R || A || M) mod L, checked by comparing the canonical encoding of [S]B - [k]A with R.
    /// <para>
    /// Rejected: wrong lengths, S ≥ L, non-canonical A or R (y ≥ p, or x = 0 with the sign bit set), A or R not on the curve,
    /// and A of small order. This is stricter than RFC 8032 (which does not require the last check) and agrees with OpenSSL on
    /// every signature OpenSSL produces. All but R's are checked before any curve arithmetic on the message; R's y ≥ p too.
    /// The rest of R's checks run only when the comparison failed, to name the reason: a matching R is the encoding this
    /// code wrote, so it is canonical and on the curve. Each input gets the same status as when R was decoded first.
    /// </para>
    /// All working memory (10,040 bytes on 64-bit .NET, mostly field elements) is allocated by the constructor;
    /// <see cref="Verify(byte[], int, byte[], int, int, byte[], int)"/> allocates nothing. One instance serves one thread.
    /// The costs on an interpreter, and the choices they led to, are in docs/crypto-performance.md.
    /// </summary>
    public sealed class Ed25519Verifier
    {
        /// <summary>Public key length in bytes.</summary>
        public const int PublicKeySize = 32;

        /// <summary>Signature length in bytes (R || S).</summary>
        public const int SignatureSize = 64;

        private readonly Ed25519Group _group = new Ed25519Group();
        private readonly Sha512 _sha512 = new Sha512();
        private readonly byte[] _digest = new byte[Sha512.HashSizeBytes];
        private readonly byte[] _k = new byte[Scalar25519.Size];
        private readonly byte[] _encoded = new byte[Ed25519Group.EncodedSize];
        private readonly long[] _scalarScratch = new long[Scalar25519.ScratchSize];
        private readonly Ed25519Point _publicKey = new Ed25519Point();
        private readonly Ed25519Point _r = new Ed25519Point();
        private readonly Ed25519Point _check = new Ed25519Point();
        private readonly Ed25519CachedPoint[] _negatedKeyTable = Ed25519Group.NewTable(Ed25519Group.OddTableSize);

        /// <summary>
        /// Verifies <paramref name="signature"/> (exactly 64 bytes) over <c>message[messageOffset, +messageLength)</c> under
        /// <paramref name="publicKey"/> (exactly 32 bytes). Arrays of other lengths give <see cref="Ed25519Status.WrongLength"/>.
        /// </summary>
        /// <returns><see cref="Ed25519Status.Valid"/> or the reason for rejection.</returns>
        public Ed25519Status Verify(byte[] publicKey, byte[] message, int messageOffset, int messageLength, byte[] signature)
        {
            if (publicKey == null || signature == null || publicKey.Length != PublicKeySize || signature.Length != SignatureSize)
            {
                return Ed25519Status.WrongLength;
            }

            return Verify(publicKey, 0, message, messageOffset, messageLength, signature, 0);
        }

        /// <summary>
        /// Verifies the 64-byte signature at <paramref name="signatureOffset"/> over <c>message[messageOffset, +messageLength)</c>
        /// under the 32-byte public key at <paramref name="publicKeyOffset"/>. Buffers stay owned by the caller.
        /// </summary>
        /// <returns><see cref="Ed25519Status.Valid"/> or the reason for rejection.</returns>
        /// <exception cref="System.ArgumentOutOfRangeException">A range lies outside its buffer (a caller bug).</exception>
        public Ed25519Status Verify(
            byte[] publicKey,
            int publicKeyOffset,
            byte[] message,
            int messageOffset,
            int messageLength,
            byte[] signature,
            int signatureOffset)
        {
            ByteRange.Check(publicKey, publicKeyOffset, PublicKeySize);
            ByteRange.Check(message, messageOffset, messageLength);
            ByteRange.Check(signature, signatureOffset, SignatureSize);
            Ed25519Status status = Ed25519Status.Unverified;

            if (!Scalar25519.IsCanonical(signature, signatureOffset + 32))
            {
                return Ed25519Status.ScalarOutOfRange;
            }

            Ed25519DecodeStatus keyStatus = _group.TryDecode(_publicKey, publicKey, publicKeyOffset);
            if (keyStatus != Ed25519DecodeStatus.Decoded)
            {
                return keyStatus == Ed25519DecodeStatus.NonCanonical ? Ed25519Status.NonCanonicalPublicKey : Ed25519Status.PublicKeyNotOnCurve;
            }

            if (_group.IsSmallOrder(_publicKey))
            {
                return Ed25519Status.SmallOrderPublicKey;
            }

            // R is only checked for y < p here. A valid R equals the encoding of [S]B - [k]A, and every encoding this code
            // writes is canonical and on the curve, so whether R decodes matters only after the comparison failed, where it
            // picks the reason. That saves a square root (a quarter of the work) on every valid signature; the statuses
            // are the same as decoding R first.
            if (!Field25519Encoding.IsCanonicalEncoding(signature, signatureOffset))
            {
                return Ed25519Status.NonCanonicalR;
            }

            _sha512.Reset();
            _sha512.Append(signature, signatureOffset, 32);
            _sha512.Append(publicKey, publicKeyOffset, PublicKeySize);
            _sha512.Append(message, messageOffset, messageLength);
            _sha512.Finish(_digest, 0);
            Scalar25519.ReduceWide(_digest, 0, _k, 0, _scalarScratch);

            _group.Negate(_publicKey, _publicKey);
            _group.FillOddTable(_negatedKeyTable, _publicKey);
            _group.DoubleScalarMultiplyVariableTime(_check, _k, 0, _negatedKeyTable, signature, signatureOffset + 32);
            _group.Encode(_encoded, 0, _check);

            if (ByteRange.ConstantTimeEquals(_encoded, 0, signature, signatureOffset, 32))
            {
                status = Ed25519Status.Valid;
            }
            else
            {
                Ed25519DecodeStatus rStatus = _group.TryDecode(_r, signature, signatureOffset);
                status = rStatus == Ed25519DecodeStatus.Decoded ? Ed25519Status.Mismatch
                    : rStatus == Ed25519DecodeStatus.NonCanonical ? Ed25519Status.NonCanonicalR : Ed25519Status.RNotOnCurve;
            }

            return status;
        }
    }
}
