namespace SecureDevice.Core.Crypto
{
    /// <summary>Outcome of decoding a 32-byte point encoding (RFC 8032 §5.1.3).</summary>
    public enum Ed25519DecodeStatus
    {
        /// <summary>Not decoded (the initial, failing value).</summary>
        NotDecoded = 0,

        /// <summary>A canonical encoding of a point on the curve.</summary>
        Decoded = 1,

        /// <summary>y is not below p, or x is zero with the sign bit set.</summary>
        NonCanonical = 2,

        /// <summary>No x satisfies the curve equation for this y.</summary>
        NotOnCurve = 3,
    }
}
