using SecureDevice.Core.Crypto;

namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// The root public keys built into the loader (at most <see cref="MaxRoots"/>). Roots sign delegations only; a delegation
    /// names its root by fingerprint, the first <see cref="FingerprintSize"/> bytes of SHA-256 of the root's 32-byte key.
    /// </summary>
    public sealed class TrustAnchors
    {
        /// <summary>Most roots a device trusts at once (room for a planned root rotation).</summary>
        public const int MaxRoots = 4;

        /// <summary>Fingerprint length in bytes.</summary>
        public const int FingerprintSize = 8;

        private readonly byte[][] _keys = new byte[MaxRoots][];
        private readonly byte[][] _fingerprints = new byte[MaxRoots][];
        private int _count;

        /// <summary>Number of roots.</summary>
        public int Count
        {
            get { return _count; }
        }

        /// <summary>Computes the fingerprint of a 32-byte root public key into <paramref name="destination"/>.</summary>
        public static void Fingerprint(byte[] publicKey, int offset, byte[] destination, int destinationOffset)
        {
            ByteRange.Check(publicKey, offset, 32);
            ByteRange.Check(destination, destinationOffset, FingerprintSize);
            byte[] digest = new byte[32];
            new Sha256().Hash(publicKey, offset, 32, digest, 0);
            System.Array.Copy(digest, 0, destination, destinationOffset, FingerprintSize);
        }

        /// <summary>Adds a root (copied). Adding the same key twice is refused.</summary>
        /// <returns>False when the set is full or already holds this key.</returns>
        public bool TryAdd(byte[] publicKey, int offset)
        {
            ByteRange.Check(publicKey, offset, 32);
            byte[] fingerprint = new byte[FingerprintSize];
            Fingerprint(publicKey, offset, fingerprint, 0);
            if (_count == MaxRoots || IndexOf(fingerprint, 0) >= 0)
            {
                return false;
            }

            byte[] key = new byte[32];
            System.Array.Copy(publicKey, offset, key, 0, 32);
            _keys[_count] = key;
            _fingerprints[_count] = fingerprint;
            _count++;
            return true;
        }

        /// <summary>Index of the root with this fingerprint, or -1.</summary>
        public int IndexOf(byte[] fingerprint, int offset)
        {
            ByteRange.Check(fingerprint, offset, FingerprintSize);
            for (int i = 0; i < _count; i++)
            {
                if (ByteRange.ConstantTimeEquals(_fingerprints[i], 0, fingerprint, offset, FingerprintSize))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>The 32-byte public key of root <paramref name="index"/> (do not modify).</summary>
        public byte[] PublicKey(int index)
        {
            if (index < 0 || index >= _count)
            {
                throw new System.ArgumentOutOfRangeException("index");
            }

            return _keys[index];
        }
    }
}
