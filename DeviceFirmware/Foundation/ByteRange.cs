using System;

namespace SecureDevice.Core
{
    /// <summary>
    /// Argument checks for the <c>byte[] + offset + count</c> convention used throughout the core.
    /// A bad range is a caller bug, so it throws; expected failures elsewhere are status values.
    /// </summary>
    public static class ByteRange
    {
        /// <summary>Throws unless <c>[offset, offset + count)</c> lies inside <paramref name="buffer"/>.</summary>
        /// <exception cref="ArgumentNullException"><paramref name="buffer"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range is negative or runs past the end.</exception>
        public static void Check(byte[] buffer, int offset, int count)
        {
            if (buffer == null)
            {
                throw new ArgumentNullException("buffer");
            }

            if (offset < 0 || count < 0 || offset > buffer.Length - count)
            {
                throw new ArgumentOutOfRangeException("offset", "range [" + offset + ", +" + count + ") outside buffer of " + buffer.Length);
            }
        }

        /// <summary>True when the two ranges hold the same bytes. Runs in time independent of where they differ.</summary>
        public static bool ConstantTimeEquals(byte[] left, int leftOffset, byte[] right, int rightOffset, int count)
        {
            Check(left, leftOffset, count);
            Check(right, rightOffset, count);
            int difference = 0;
            for (int i = 0; i < count; i++)
            {
                difference |= left[leftOffset + i] ^ right[rightOffset + i];
            }

            return difference == 0;
        }
    }
}
