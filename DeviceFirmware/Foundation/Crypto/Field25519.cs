using System;

namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// Arithmetic in GF(2^255 - 19) on field elements held in caller-owned <c>int[10]</c> arrays, radix 2^25.5
    /// (limb i carries bits from ceil(25.5 i); even limbs 26 bits, odd limbs 25 bits), as in the ref10 design.
    /// <para>
    /// Bounds, which every caller relies on: "carried" elements (outputs of <see cref="Multiply"/>, <see cref="Square"/>,
    /// <see cref="Carry"/>, <see cref="FromBytes"/>) have |limb| at most about 2^25 (even) and 2^24 (odd).
    /// <see cref="Add"/> and <see cref="Subtract"/> do not carry; <see cref="Multiply"/> and <see cref="Square"/> accept inputs
    /// that are sums or differences of up to four carried elements (the 64-bit partial sums then stay below 2^62).
    /// </para>
    /// Output arrays may alias inputs. Nothing here allocates. The arithmetic has no data-dependent branches or table look-ups.
    /// </summary>
    public static class Field25519
    {
        /// <summary>Number of limbs in a field element.</summary>
        public const int Limbs = 10;

        /// <summary>Allocates a zeroed field element (use at set-up time only).</summary>
        public static int[] Create()
        {
            return new int[Limbs];
        }

        /// <summary>h = 0.</summary>
        public static void SetZero(int[] h)
        {
            Array.Clear(h, 0, Limbs);
        }

        /// <summary>h = 1.</summary>
        public static void SetOne(int[] h)
        {
            Array.Clear(h, 0, Limbs);
            h[0] = 1;
        }

        /// <summary>h = f.</summary>
        public static void Copy(int[] h, int[] f)
        {
            Array.Copy(f, 0, h, 0, Limbs);
        }

        /// <summary>h = f + g, without carrying.</summary>
        public static void Add(int[] h, int[] f, int[] g)
        {
            for (int i = 0; i < Limbs; i++)
            {
                h[i] = f[i] + g[i];
            }
        }

        /// <summary>h = f - g, without carrying.</summary>
        public static void Subtract(int[] h, int[] f, int[] g)
        {
            for (int i = 0; i < Limbs; i++)
            {
                h[i] = f[i] - g[i];
            }
        }

        /// <summary>h = -f, without carrying.</summary>
        public static void Negate(int[] h, int[] f)
        {
            for (int i = 0; i < Limbs; i++)
            {
                h[i] = -f[i];
            }
        }

        /// <summary>h = f if <paramref name="choice"/> is 1, unchanged if 0, without branching on <paramref name="choice"/>.</summary>
        public static void ConditionalMove(int[] h, int[] f, int choice)
        {
            int mask = -choice;
            for (int i = 0; i < Limbs; i++)
            {
                h[i] ^= (h[i] ^ f[i]) & mask;
            }
        }

        /// <summary>h = f * g (mod p), carried.</summary>
        public static void Multiply(int[] h, int[] f, int[] g)
        {
            long f0 = f[0];
            long f1 = f[1];
            long f2 = f[2];
            long f3 = f[3];
            long f4 = f[4];
            long f5 = f[5];
            long f6 = f[6];
            long f7 = f[7];
            long f8 = f[8];
            long f9 = f[9];
            long g0 = g[0];
            long g1 = g[1];
            long g2 = g[2];
            long g3 = g[3];
            long g4 = g[4];
            long g5 = g[5];
            long g6 = g[6];
            long g7 = g[7];
            long g8 = g[8];
            long g9 = g[9];
            long g1x19 = 19 * g1;
            long g2x19 = 19 * g2;
            long g3x19 = 19 * g3;
            long g4x19 = 19 * g4;
            long g5x19 = 19 * g5;
            long g6x19 = 19 * g6;
            long g7x19 = 19 * g7;
            long g8x19 = 19 * g8;
            long g9x19 = 19 * g9;
            long f1x2 = 2 * f1;
            long f3x2 = 2 * f3;
            long f5x2 = 2 * f5;
            long f7x2 = 2 * f7;
            long f9x2 = 2 * f9;
            long h0 = (f0 * g0) + (f1x2 * g9x19) + (f2 * g8x19) + (f3x2 * g7x19) + (f4 * g6x19) + (f5x2 * g5x19) + (f6 * g4x19) + (f7x2 * g3x19) + (f8 * g2x19) + (f9x2 * g1x19);
            long h1 = (f0 * g1) + (f1 * g0) + (f2 * g9x19) + (f3 * g8x19) + (f4 * g7x19) + (f5 * g6x19) + (f6 * g5x19) + (f7 * g4x19) + (f8 * g3x19) + (f9 * g2x19);
            long h2 = (f0 * g2) + (f1x2 * g1) + (f2 * g0) + (f3x2 * g9x19) + (f4 * g8x19) + (f5x2 * g7x19) + (f6 * g6x19) + (f7x2 * g5x19) + (f8 * g4x19) + (f9x2 * g3x19);
            long h3 = (f0 * g3) + (f1 * g2) + (f2 * g1) + (f3 * g0) + (f4 * g9x19) + (f5 * g8x19) + (f6 * g7x19) + (f7 * g6x19) + (f8 * g5x19) + (f9 * g4x19);
            long h4 = (f0 * g4) + (f1x2 * g3) + (f2 * g2) + (f3x2 * g1) + (f4 * g0) + (f5x2 * g9x19) + (f6 * g8x19) + (f7x2 * g7x19) + (f8 * g6x19) + (f9x2 * g5x19);
            long h5 = (f0 * g5) + (f1 * g4) + (f2 * g3) + (f3 * g2) + (f4 * g1) + (f5 * g0) + (f6 * g9x19) + (f7 * g8x19) + (f8 * g7x19) + (f9 * g6x19);
            long h6 = (f0 * g6) + (f1x2 * g5) + (f2 * g4) + (f3x2 * g3) + (f4 * g2) + (f5x2 * g1) + (f6 * g0) + (f7x2 * g9x19) + (f8 * g8x19) + (f9x2 * g7x19);
            long h7 = (f0 * g7) + (f1 * g6) + (f2 * g5) + (f3 * g4) + (f4 * g3) + (f5 * g2) + (f6 * g1) + (f7 * g0) + (f8 * g9x19) + (f9 * g8x19);
            long h8 = (f0 * g8) + (f1x2 * g7) + (f2 * g6) + (f3x2 * g5) + (f4 * g4) + (f5x2 * g3) + (f6 * g2) + (f7x2 * g1) + (f8 * g0) + (f9x2 * g9x19);
            long h9 = (f0 * g9) + (f1 * g8) + (f2 * g7) + (f3 * g6) + (f4 * g5) + (f5 * g4) + (f6 * g3) + (f7 * g2) + (f8 * g1) + (f9 * g0);
            StoreCarried(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
        }

        /// <summary>h = f^2 (mod p), carried.</summary>
        public static void Square(int[] h, int[] f)
        {
            long f0 = f[0];
            long f1 = f[1];
            long f2 = f[2];
            long f3 = f[3];
            long f4 = f[4];
            long f5 = f[5];
            long f6 = f[6];
            long f7 = f[7];
            long f8 = f[8];
            long f9 = f[9];
            long f0x2 = 2 * f0;
            long f1x2 = 2 * f1;
            long f1x4 = 4 * f1;
            long f1x76 = 76 * f1;
            long f2x2 = 2 * f2;
            long f2x38 = 38 * f2;
            long f3x2 = 2 * f3;
            long f3x4 = 4 * f3;
            long f3x38 = 38 * f3;
            long f3x76 = 76 * f3;
            long f4x2 = 2 * f4;
            long f4x38 = 38 * f4;
            long f5x38 = 38 * f5;
            long f5x76 = 76 * f5;
            long f6x19 = 19 * f6;
            long f6x38 = 38 * f6;
            long f7x38 = 38 * f7;
            long f7x76 = 76 * f7;
            long f8x19 = 19 * f8;
            long f8x38 = 38 * f8;
            long f9x38 = 38 * f9;
            long h0 = (f0 * f0) + (f1x76 * f9) + (f2x38 * f8) + (f3x76 * f7) + (f4x38 * f6) + (f5x38 * f5);
            long h1 = (f0x2 * f1) + (f2x38 * f9) + (f3x38 * f8) + (f4x38 * f7) + (f5x38 * f6);
            long h2 = (f0x2 * f2) + (f1x2 * f1) + (f3x76 * f9) + (f4x38 * f8) + (f5x76 * f7) + (f6x19 * f6);
            long h3 = (f0x2 * f3) + (f1x2 * f2) + (f4x38 * f9) + (f5x38 * f8) + (f6x38 * f7);
            long h4 = (f0x2 * f4) + (f1x4 * f3) + (f2 * f2) + (f5x76 * f9) + (f6x38 * f8) + (f7x38 * f7);
            long h5 = (f0x2 * f5) + (f1x2 * f4) + (f2x2 * f3) + (f6x38 * f9) + (f7x38 * f8);
            long h6 = (f0x2 * f6) + (f1x4 * f5) + (f2x2 * f4) + (f3x2 * f3) + (f7x76 * f9) + (f8x19 * f8);
            long h7 = (f0x2 * f7) + (f1x2 * f6) + (f2x2 * f5) + (f3x2 * f4) + (f8x38 * f9);
            long h8 = (f0x2 * f8) + (f1x4 * f7) + (f2x2 * f6) + (f3x4 * f5) + (f4 * f4) + (f9x38 * f9);
            long h9 = (f0x2 * f9) + (f1x2 * f8) + (f2x2 * f7) + (f3x2 * f6) + (f4x2 * f5);
            StoreCarried(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
        }

        /// <summary>h = f^(2^times) (mod p): <paramref name="times"/> successive squarings, times &gt;= 1.</summary>
        public static void SquareTimes(int[] h, int[] f, int times)
        {
            Square(h, f);
            for (int i = 1; i < times; i++)
            {
                Square(h, h);
            }
        }

        /// <summary>Brings the limbs of f back inside the carried bounds; the value mod p is unchanged.</summary>
        public static void Carry(int[] h, int[] f)
        {
            StoreCarried(h, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9]);
        }

        /// <summary>
        /// h = z^(p-2) = 1/z (mod p); 0 maps to 0. Uses ref10's addition chain (254 squarings, 11 multiplications).
        /// <paramref name="t0"/>..<paramref name="t3"/> are caller-owned scratch elements and must not alias h or z.
        /// </summary>
        public static void Invert(int[] h, int[] z, int[] t0, int[] t1, int[] t2, int[] t3)
        {
            PowerChain250(z, t0, t1, t2, t3);

            // t1 = z^(2^250 - 1), t0 = z^11.
            SquareTimes(t1, t1, 5);
            Multiply(h, t1, t0);
        }

        /// <summary>
        /// h = z^((p-5)/8) = z^(2^252 - 3) (mod p), the exponent used by square roots in point decoding.
        /// <paramref name="t0"/>..<paramref name="t3"/> are caller-owned scratch elements and must not alias h or z.
        /// </summary>
        public static void PowerP58(int[] h, int[] z, int[] t0, int[] t1, int[] t2, int[] t3)
        {
            PowerChain250(z, t0, t1, t2, t3);
            SquareTimes(t1, t1, 2);
            Multiply(h, t1, z);
        }

        /// <summary>
        /// Loads a 32-byte little-endian encoding, ignoring the top bit (RFC 8032 §5.1.3). Values in [p, 2^255) are accepted
        /// and reduced; use <see cref="IsCanonicalEncoding"/> first where non-canonical input must be rejected.
        /// </summary>
        public static void FromBytes(int[] h, byte[] source, int offset)
        {
            ByteRange.Check(source, offset, 32);
            int bit = 0;
            for (int i = 0; i < Limbs; i++)
            {
                int width = (i & 1) == 0 ? 26 : 25;
                int byteIndex = bit >> 3;
                ulong window = 0;
                for (int k = 0; k < 5 && byteIndex + k < 32; k++)
                {
                    window |= (ulong)source[offset + byteIndex + k] << (8 * k);
                }

                h[i] = (int)((window >> (bit & 7)) & ((1UL << width) - 1));
                bit += width;
            }
        }

        /// <summary>
        /// Writes the unique canonical 32-byte little-endian encoding of f mod p (top bit clear).
        /// <paramref name="scratch"/> is a caller-owned element that must not alias f.
        /// </summary>
        public static void ToBytes(byte[] destination, int offset, int[] f, int[] scratch)
        {
            ByteRange.Check(destination, offset, 32);
            Carry(scratch, f);
            int[] h = scratch;

            // q is 1 exactly when the carried value is at least p; subtracting q*p leaves the canonical representative.
            int q = ((19 * h[9]) + (1 << 24)) >> 25;
            for (int i = 0; i < Limbs; i++)
            {
                q = (h[i] + q) >> ((i & 1) == 0 ? 26 : 25);
            }

            h[0] += 19 * q;
            for (int i = 0; i < Limbs - 1; i++)
            {
                int shift = (i & 1) == 0 ? 26 : 25;
                int carry = h[i] >> shift;
                h[i + 1] += carry;
                h[i] -= carry << shift;
            }

            h[9] -= (h[9] >> 25) << 25;

            ulong accumulator = 0;
            int accumulatorBits = 0;
            int written = 0;
            for (int i = 0; i < Limbs; i++)
            {
                accumulator |= (ulong)(uint)h[i] << accumulatorBits;
                accumulatorBits += (i & 1) == 0 ? 26 : 25;
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
        public static bool IsZero(int[] f, byte[] bytesScratch, int[] scratch)
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
        public static bool IsNegative(int[] f, byte[] bytesScratch, int[] scratch)
        {
            ToBytes(bytesScratch, 0, f, scratch);
            return (bytesScratch[0] & 1) == 1;
        }

        // Leaves t1 = z^(2^250 - 1) and t0 = z^11: the shared head of ref10's inversion and square-root exponent chains.
        private static void PowerChain250(int[] z, int[] t0, int[] t1, int[] t2, int[] t3)
        {
            Square(t0, z);                 // z^2
            SquareTimes(t1, t0, 2);        // z^8
            Multiply(t1, z, t1);           // z^9
            Multiply(t0, t0, t1);          // z^11
            Square(t2, t0);                // z^22
            Multiply(t1, t1, t2);          // z^(2^5 - 1)
            SquareTimes(t2, t1, 5);
            Multiply(t1, t2, t1);          // z^(2^10 - 1)
            SquareTimes(t2, t1, 10);
            Multiply(t2, t2, t1);          // z^(2^20 - 1)
            SquareTimes(t3, t2, 20);
            Multiply(t2, t3, t2);          // z^(2^40 - 1)
            SquareTimes(t2, t2, 10);
            Multiply(t1, t2, t1);          // z^(2^50 - 1)
            SquareTimes(t2, t1, 50);
            Multiply(t2, t2, t1);          // z^(2^100 - 1)
            SquareTimes(t3, t2, 100);
            Multiply(t2, t3, t2);          // z^(2^200 - 1)
            SquareTimes(t2, t2, 50);
            Multiply(t1, t2, t1);          // z^(2^250 - 1)
        }

        private static void StoreCarried(int[] h, long h0, long h1, long h2, long h3, long h4, long h5, long h6, long h7, long h8, long h9)
        {
            long carry;
            carry = (h0 + (1L << 25)) >> 26; h1 += carry; h0 -= carry << 26;
            carry = (h4 + (1L << 25)) >> 26; h5 += carry; h4 -= carry << 26;
            carry = (h1 + (1L << 24)) >> 25; h2 += carry; h1 -= carry << 25;
            carry = (h5 + (1L << 24)) >> 25; h6 += carry; h5 -= carry << 25;
            carry = (h2 + (1L << 25)) >> 26; h3 += carry; h2 -= carry << 26;
            carry = (h6 + (1L << 25)) >> 26; h7 += carry; h6 -= carry << 26;
            carry = (h3 + (1L << 24)) >> 25; h4 += carry; h3 -= carry << 25;
            carry = (h7 + (1L << 24)) >> 25; h8 += carry; h7 -= carry << 25;
            carry = (h4 + (1L << 25)) >> 26; h5 += carry; h4 -= carry << 26;
            carry = (h8 + (1L << 25)) >> 26; h9 += carry; h8 -= carry << 26;
            carry = (h9 + (1L << 24)) >> 25; h0 += carry * 19; h9 -= carry << 25;
            carry = (h0 + (1L << 25)) >> 26; h1 += carry; h0 -= carry << 26;
            h[0] = (int)h0;
            h[1] = (int)h1;
            h[2] = (int)h2;
            h[3] = (int)h3;
            h[4] = (int)h4;
            h[5] = (int)h5;
            h[6] = (int)h6;
            h[7] = (int)h7;
            h[8] = (int)h8;
            h[9] = (int)h9;
        }
    }
}
