namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// The 32-byte little-endian encoding of GF(2^255 - 19) elements (RFC 8032 §5.1.2) and the predicates that need the
    /// canonical representative: loading, canonical output, the canonical-input check, zero and sign. Elements are
    /// <see cref="Field25519"/>'s <c>long[10]</c>; scratch is caller-owned and nothing here allocates. Kept apart from the
    /// arithmetic, which is the hot path shaped for the interpreter (docs/crypto-performance.md).
    /// </summary>
    public static class Field25519Encoding
    {
        /// <summary>
        /// Loads a 32-byte little-endian encoding, ignoring the top bit (RFC 8032 §5.1.3). Values in [p, 2^255) are accepted
        /// and reduced; use <see cref="IsCanonicalEncoding"/> first where non-canonical input must be rejected.
        /// </summary>
        public static void FromBytes(long[] h, byte[] source, int offset)
        {
            ByteRange.Check(source, offset, 32);
            int bit = 0;
            for (int i = 0; i < Field25519.Limbs; i++)
            {
                int width = (i & 1) == 0 ? 26 : 25;
                int byteIndex = bit >> 3;
                ulong window = 0;
                for (int k = 0; k < 5 && byteIndex + k < 32; k++)
                {
                    window |= (ulong)source[offset + byteIndex + k] << (8 * k);
                }

                h[i] = (long)((window >> (bit & 7)) & ((1UL << width) - 1));
                bit += width;
            }
        }

        /// <summary>
        /// Writes the unique canonical 32-byte little-endian encoding of f mod p (top bit clear).
        /// <paramref name="scratch"/> is a caller-owned element that must not alias f.
        /// </summary>
        public static void ToBytes(byte[] destination, int offset, long[] f, long[] scratch)
        {
            ByteRange.Check(destination, offset, 32);
            Field25519.Carry(scratch, f);
            long[] h = scratch;

            // The carried value v lies in (-2^43, 2^255 + 2^43). q = floor((v + 19) / 2^255) is -1, 0 or 1, the multiple of
            // p to remove: adding 19q and dropping the carry out of bit 255 (which is q) leaves v - qp, in [0, p).
            long q = 19;
            for (int i = 0; i < Field25519.Limbs; i++)
            {
                q = (h[i] + q) >> (26 - (i & 1));
            }

            h[0] += 19 * q;
            for (int i = 0; i < Field25519.Limbs - 1; i++)
            {
                int shift = 26 - (i & 1);
                h[i + 1] += h[i] >> shift;
                h[i] &= (1L << shift) - 1;
            }

            h[9] &= (1L << 25) - 1;

            ulong accumulator = 0;
            int accumulatorBits = 0;
            int written = 0;
            for (int i = 0; i < Field25519.Limbs; i++)
            {
                accumulator |= (ulong)h[i] << accumulatorBits;
                accumulatorBits += 26 - (i & 1);
                while (accumulatorBits >= 8)
                {
                    destination[offset + written++] = (byte)accumulator;
                    accumulator >>= 8;
                    accumulatorBits -= 8;
                }
            }

            destination[offset + written] = (byte)accumulator;
        }

        /// <summary>
        /// True when the 255-bit little-endian value in <c>bytes[offset..offset+32)</c>, top bit ignored, is below p.
        /// </summary>
        public static bool IsCanonicalEncoding(byte[] bytes, int offset)
        {
            ByteRange.Check(bytes, offset, 32);
            if ((bytes[offset + 31] & 0x7f) != 0x7f)
            {
                return true;
            }

            for (int i = 30; i >= 1; i--)
            {
                if (bytes[offset + i] != 0xff)
                {
                    return true;
                }
            }

            return bytes[offset] < 0xed;
        }

        /// <summary>True when f is 0 mod p. <paramref name="bytesScratch"/> (32 bytes) and <paramref name="scratch"/> are caller-owned.</summary>
        public static bool IsZero(long[] f, byte[] bytesScratch, long[] scratch)
        {
            ToBytes(bytesScratch, 0, f, scratch);
            int accumulated = 0;
            for (int i = 0; i < 32; i++)
            {
                accumulated |= bytesScratch[i];
            }

            return accumulated == 0;
        }

        /// <summary>True when the canonical representative of f is odd ("negative" in RFC 8032's sign convention).</summary>
        public static bool IsNegative(long[] f, byte[] bytesScratch, long[] scratch)
        {
            ToBytes(bytesScratch, 0, f, scratch);
            return (bytesScratch[0] & 1) == 1;
        }
    }
}
