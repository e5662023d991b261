namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// Outcome of <see cref="Ed25519Verifier.Verify(byte[], byte[], int, int, byte[])"/>. Only <see cref="Valid"/> means the
    /// signature holds; every other value names the first check that failed.
    /// </summary>
    public enum Ed25519Status
    {
        /// <summary>Not verified (the initial, failing value).</summary>
        Unverified = 0,

        /// <summary>The signature is valid for this key and message.</summary>
        Valid = 1,

        /// <summary>The public key is not 32 bytes or the signature is not 64 bytes.</summary>
        WrongLength = 2,

        /// <summary>S is not below the group order L.</summary>
        ScalarOutOfRange = 3,

        /// <summary>The public key encoding is not canonical.</summary>
        NonCanonicalPublicKey = 4,

        /// <summary>The public key does not decode to a curve point.</summary>
        PublicKeyNotOnCurve = 5,

        /// <summary>The public key has order dividing 8 (it would accept forged signatures).</summary>
        SmallOrderPublicKey = 6,

        /// <summary>R's encoding is not canonical.</summary>
        NonCanonicalR = 7,

        /// <summary>R does not decode to a curve point.</summary>
        RNotOnCurve = 8,

        /// <summary>The equation [S]B = R + [k]A does not hold.</summary>
        Mismatch = 9,
    }
}
