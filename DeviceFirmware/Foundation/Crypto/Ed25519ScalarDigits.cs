namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// How <see cref="Ed25519Group"/>'s scalar multiplications read a 32-byte little-endian scalar: as 4-bit windows (the
    /// constant-time base-point multiplication) or as width-5 non-adjacent-form digits (variable-time verification).
    /// Pure functions over caller-owned arrays; nothing here allocates.
    /// </summary>
    public static class Ed25519ScalarDigits
    {
        /// <summary>Length of a scalar's digit string (<see cref="Recode"/>).</summary>
        public const int DigitCount = 256;

        /// <summary>The 4-bit window <paramref name="window"/> (0..63, little-endian) of a 32-byte scalar.</summary>
        public static int Nibble(byte[] scalar, int offset, int window)
        {
            int value = scalar[offset + (window >> 1)];
            return (window & 1) == 0 ? value & 0x0f : value >> 4;
        }

        /// <summary>
        /// Writes the width-5 non-adjacent form of the 32-byte little-endian scalar (below 2^255) into
        /// <paramref name="digits"/> (<see cref="DigitCount"/> entries): scalar = sum of digits[i]·2^i, every digit 0 or odd
        /// in [-15, 15], at least four zeros after each non-zero one.
        /// </summary>
        /// <returns>The highest non-zero position, -1 for zero.</returns>
        /// <exception cref="System.ArgumentOutOfRangeException">The scalar is not below 2^255.</exception>
        public static int Recode(byte[] scalar, int offset, sbyte[] digits)
        {
            // Right to left: at an odd window take its value, minus 32 when above 15 with a carry into the next window.
            ByteRange.Check(scalar, offset, Ed25519Group.EncodedSize);
            System.Array.Clear(digits, 0, DigitCount);
            int top = -1;
            int carry = 0;
            int position = 0;
            while (position < DigitCount)
            {
                int index = offset + (position >> 3);
                int bits = scalar[index];
                if (index + 1 < offset + Ed25519Group.EncodedSize)
                {
                    bits |= scalar[index + 1] << 8;
                }

                int window = carry + ((bits >> (position & 7)) & 31);
                if ((window & 1) == 0)
                {
                    position++;
                    continue;
                }

                if (window > 15)
                {
                    window -= 32;
                    carry = 1;
                }
                else
                {
                    carry = 0;
                }

                digits[position] = (sbyte)window;
                top = position;
                position += 5;
            }

            if (carry != 0)
            {
                throw new System.ArgumentOutOfRangeException("scalar", "scalar must be below 2^255");
            }

            return top;
        }
    }
}
