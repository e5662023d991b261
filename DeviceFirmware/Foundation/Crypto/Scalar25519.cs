using System;

namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// Arithmetic modulo the group order L = 2^252 + 27742317777372353535851937790883648493 on 32-byte little-endian
    /// scalars. Reductions work on a caller-owned <c>long[64]</c> of byte-sized digits (the TweetNaCl method):
    /// no allocation, no data-dependent branches.
    /// </summary>
    public static class Scalar25519
    {
        /// <summary>Scalar size in bytes.</summary>
        public const int Size = 32;

        /// <summary>Size of the digit scratch array the reductions need.</summary>
        public const int ScratchSize = 64;

        private static readonly byte[] Order = new byte[]
        {
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
        };

        /// <summary>True when the 32-byte little-endian value at <paramref name="offset"/> is below L (RFC 8032 §5.1.7 step 1).</summary>
        public static bool IsCanonical(byte[] scalar, int offset)
        {
            ByteRange.Check(scalar, offset, Size);
            for (int i = Size - 1; i >= 0; i--)
            {
                if (scalar[offset + i] < Order[i])
                {
                    return true;
                }

                if (scalar[offset + i] > Order[i])
                {
                    return false;
                }
            }

            // Equal to L.
            return false;
        }

        /// <summary>Writes (64-byte little-endian value at <paramref name="wideOffset"/>) mod L as 32 bytes.</summary>
        public static void ReduceWide(byte[] wide, int wideOffset, byte[] result, int resultOffset, long[] scratch)
        {
            ByteRange.Check(wide, wideOffset, 64);
            ByteRange.Check(result, resultOffset, Size);
            CheckScratch(scratch);
            for (int i = 0; i < ScratchSize; i++)
            {
                scratch[i] = wide[wideOffset + i];
            }

            Reduce(scratch, result, resultOffset);
        }

        /// <summary>result = (a·b + c) mod L for 32-byte little-endian a, b, c below 2^256.</summary>
        public static void MultiplyAdd(byte[] result, int resultOffset, byte[] a, int aOffset, byte[] b, int bOffset, byte[] c, int cOffset, long[] scratch)
        {
            ByteRange.Check(result, resultOffset, Size);
            ByteRange.Check(a, aOffset, Size);
            ByteRange.Check(b, bOffset, Size);
            ByteRange.Check(c, cOffset, Size);
            CheckScratch(scratch);
            Array.Clear(scratch, 0, ScratchSize);
            for (int i = 0; i < Size; i++)
            {
                scratch[i] = c[cOffset + i];
            }

            for (int i = 0; i < Size; i++)
            {
                long ai = a[aOffset + i];
                for (int j = 0; j < Size; j++)
                {
                    scratch[i + j] += ai * b[bOffset + j];
                }
            }

            Reduce(scratch, result, resultOffset);
        }

        private static void CheckScratch(long[] scratch)
        {
            if (scratch == null || scratch.Length < ScratchSize)
            {
                throw new ArgumentException("scratch must hold 64 digits", "scratch");
            }
        }

        // x holds 64 digits of weight 2^(8i), each far below 2^62. Since 2^256 = 16·2^252 and 2^252 = -(L - 2^252) mod L,
        // the top digits are folded down by subtracting multiples of L, then one final conditional correction.
        private static void Reduce(long[] x, byte[] result, int resultOffset)
        {
            long carry;
            for (int i = 63; i >= 32; i--)
            {
                carry = 0;
                int j;
                for (j = i - 32; j < i - 12; j++)
                {
                    x[j] += carry - (16 * x[i] * Order[j - (i - 32)]);
                    carry = (x[j] + 128) >> 8;
                    x[j] -= carry << 8;
                }

                x[j] += carry;
                x[i] = 0;
            }

            carry = 0;
            for (int j = 0; j < 32; j++)
            {
                x[j] += carry - ((x[31] >> 4) * Order[j]);
                carry = x[j] >> 8;
                x[j] &= 255;
            }

            for (int j = 0; j < 32; j++)
            {
                x[j] -= carry * Order[j];
            }

            for (int i = 0; i < 32; i++)
            {
                x[i + 1] += x[i] >> 8;
                result[resultOffset + i] = (byte)(x[i] & 255);
            }
        }
    }
}
