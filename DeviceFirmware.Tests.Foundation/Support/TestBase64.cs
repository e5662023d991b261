namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// Strict base64 (RFC 4648 §4, with padding) for the test vectors. A vector costs 4/3 of a string-table byte per byte
    /// in base64 against 2 in hex, and NFUnitTest's string table is limited (docs/nanoframework-build.md). The decoder
    /// does not rely on the device's Convert and allocates only the result.
    /// </summary>
    public static class TestBase64
    {
        /// <summary>Decodes <paramref name="text"/>; a vector with a typo throws instead of testing other bytes.</summary>
        /// <exception cref="System.ArgumentException">Length not a multiple of 4, a character outside the alphabet,
        /// misplaced padding, or non-zero bits after the last byte (a non-canonical encoding).</exception>
        public static byte[] Decode(string text)
        {
            if (text == null || (text.Length & 3) != 0)
            {
                throw new System.ArgumentException("base64 length must be a multiple of 4");
            }

            int padding = 0;
            if (text.Length > 0 && text[text.Length - 1] == '=')
            {
                padding = text[text.Length - 2] == '=' ? 2 : 1;
            }

            byte[] result = new byte[((text.Length / 4) * 3) - padding];
            int at = 0;
            for (int i = 0; i < text.Length; i += 4)
            {
                bool last = i + 4 == text.Length;
                int group = (Value(text[i]) << 18) | (Value(text[i + 1]) << 12);
                if (last && padding == 2)
                {
                    Require((group & 0xffff) == 0);
                    result[at] = (byte)(group >> 16);
                    break;
                }

                group |= Value(text[i + 2]) << 6;
                if (last && padding == 1)
                {
                    Require((group & 0xff) == 0);
                    result[at] = (byte)(group >> 16);
                    result[at + 1] = (byte)(group >> 8);
                    break;
                }

                group |= Value(text[i + 3]);
                result[at] = (byte)(group >> 16);
                result[at + 1] = (byte)(group >> 8);
                result[at + 2] = (byte)group;
                at += 3;
            }

            return result;
        }

        private static int Value(char c)
        {
            if (c >= 'A' && c <= 'Z')
            {
                return c - 'A';
            }

            if (c >= 'a' && c <= 'z')
            {
                return c - 'a' + 26;
            }

            if (c >= '0' && c <= '9')
            {
                return c - '0' + 52;
            }

            if (c == '+')
            {
                return 62;
            }

            Require(c == '/');
            return 63;
        }

        private static void Require(bool wellFormed)
        {
            if (!wellFormed)
            {
                throw new System.ArgumentException("not canonical base64");
            }
        }
    }
}
