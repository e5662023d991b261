namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// A parsed signer delegation (docs/bundle-format.md): a root key authorises one signing key, for a time window, for
    /// some products, from some security version up. Instances come only from <see cref="DelegationParser"/>: well-formed,
    /// not yet trusted (the root signature is checked by <see cref="BundleVerifier"/>).
    /// </summary>
    public sealed class Delegation
    {
        /// <summary>The only delegation format this firmware understands.</summary>
        public const int FormatVersion = 1;

        /// <summary>Most products one delegation may name.</summary>
        public const int MaxProducts = 8;

        internal Delegation()
        {
            RootFingerprint = new byte[TrustAnchors.FingerprintSize];
            PublicKey = new byte[32];
            Products = new string[MaxProducts];
            Signature = new byte[64];
        }

        /// <summary>Fingerprint of the root key that signed this delegation (first 8 bytes of SHA-256 of its public key).</summary>
        public byte[] RootFingerprint { get; private set; }

        /// <summary>Id of the delegated signing key.</summary>
        public string KeyId { get; internal set; }

        /// <summary>The delegated Ed25519 public key (32 bytes).</summary>
        public byte[] PublicKey { get; private set; }

        /// <summary>Start of validity, Unix seconds.</summary>
        public long NotBeforeUnixSeconds { get; internal set; }

        /// <summary>End of validity, Unix seconds.</summary>
        public long NotAfterUnixSeconds { get; internal set; }

        /// <summary>Lowest security version this key may sign.</summary>
        public long MinSecurityVersion { get; internal set; }

        /// <summary>Products this key may sign for (first <see cref="ProductCount"/> entries); none means any product.</summary>
        public string[] Products { get; private set; }

        /// <summary>Number of entries in <see cref="Products"/>; 0 means any product.</summary>
        public int ProductCount { get; internal set; }

        /// <summary>The root's signature over the first <see cref="SignedLength"/> bytes of the delegation file.</summary>
        public byte[] Signature { get; private set; }

        /// <summary>Number of leading bytes of the delegation file the root signature covers (magic, length and body).</summary>
        public int SignedLength { get; internal set; }

        /// <summary>True when this delegation allows signing for <paramref name="product"/>.</summary>
        public bool AllowsProduct(string product)
        {
            if (ProductCount == 0)
            {
                return true;
            }

            for (int i = 0; i < ProductCount; i++)
            {
                if (Products[i] == product)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
