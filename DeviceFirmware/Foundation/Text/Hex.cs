using System;

namespace SecureDevice.Core.Text
{
    /// <summary>Lower-case hexadecimal encoding and strict decoding.</summary>
    public static class Hex
    {
        private const string Digits = "0123456789abcdef";

        /// <summary>Returns <c>data[offset, +count)</c> as lower-case hex (allocates the string).</summary>
        public static string Encode(byte[] data, int offset, int count)
        {
            ByteRange.Check(data, offset, count);
            char[] chars = new char[count * 2];
            for (int i = 0; i < count; i++)
            {
                int value = data[offset + i];
                chars[2 * i] = Digits[value >> 4];
                chars[(2 * i) + 1] = Digits[value & 0x0f];
            }

            return new string(chars);
        }

        /// <summary>
        /// Decodes exactly <c>2 * byteCount</c> hex digits of <paramref name="text"/> starting at <paramref name="textIndex"/>
        /// into <c>destination[destinationOffset, +byteCount)</c>. Accepts upper and lower case; rejects anything else.
        /// </summary>
        /// <returns>False when the text is too short or holds a non-hex character; the destination may then be partly written.</returns>
        public static bool TryDecode(string text, int textIndex, int byteCount, byte[] destination, int destinationOffset)
        {
            ByteRange.Check(destination, destinationOffset, byteCount);
            if (text == null || textIndex < 0 || byteCount < 0 || textIndex > text.Length - (2 * byteCount))
            {
                return false;
            }

            for (int i = 0; i < byteCount; i++)
            {
                int high = DigitValue(text[textIndex + (2 * i)]);
                int low = DigitValue(text[textIndex + (2 * i) + 1]);
                if (high < 0 || low < 0)
                {
                    return false;
                }

                destination[destinationOffset + i] = (byte)((high << 4) | low);
            }

            return true;
        }

        /// <summary>Decodes a whole string of hex digits; throws on bad input (for constants and tests).</summary>
        /// <exception cref="ArgumentException">The text has odd length or a non-hex character.</exception>
        public static byte[] Decode(string text)
        {
            if (text == null || (text.Length & 1) != 0)
            {
                throw new ArgumentException("hex text must have even length", "text");
            }

            byte[] result = new byte[text.Length / 2];
            if (!TryDecode(text, 0, result.Length, result, 0))
            {
                throw new ArgumentException("not hex", "text");
            }

            return result;
        }

        private static int DigitValue(char c)
        {
            if (c >= '0' && c <= '9')
            {
                return c - '0';
            }

            if (c >= 'a' && c <= 'f')
            {
                return c - 'a' + 10;
            }

            if (c >= 'A' && c <= 'F')
            {
                return c - 'A' + 10;
            }

            return -1;
        }
    }
}
