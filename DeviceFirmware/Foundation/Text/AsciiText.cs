namespace SecureDevice.Core.Text
{
    /// <summary>
    /// Culture-free string rules for the core: ASCII case folding and ordinal prefix and suffix tests. On .NET,
    /// string.ToLower(), StartsWith(string) and EndsWith(string) follow the current culture (tr-TR lower-cases 'I' to a
    /// dotless 'ı'); the core must decide the same way on every host and on the device, so it uses these instead.
    /// </summary>
    public static class AsciiText
    {
        /// <summary>'A'..'Z' to 'a'..'z'; every other character unchanged.</summary>
        public static char ToLower(char c)
        {
            return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
        }

        /// <summary>Equal when ASCII letters are compared without case and everything else ordinally.</summary>
        public static bool EqualsIgnoreCase(string left, string right)
        {
            if (left == null || right == null || left.Length != right.Length)
            {
                return left == null && right == null;
            }

            for (int i = 0; i < left.Length; i++)
            {
                if (ToLower(left[i]) != ToLower(right[i]))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Ordinal: <paramref name="text"/> begins with exactly the characters of <paramref name="prefix"/>.</summary>
        public static bool StartsWith(string text, string prefix)
        {
            if (text == null || prefix == null || prefix.Length > text.Length)
            {
                return false;
            }

            for (int i = 0; i < prefix.Length; i++)
            {
                if (text[i] != prefix[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Ordinal: <paramref name="text"/> ends with exactly the characters of <paramref name="suffix"/>.</summary>
        public static bool EndsWith(string text, string suffix)
        {
            if (text == null || suffix == null || suffix.Length > text.Length)
            {
                return false;
            }

            int start = text.Length - suffix.Length;
            for (int i = 0; i < suffix.Length; i++)
            {
                if (text[start + i] != suffix[i])
                {
                    return false;
                }
            }

            return true;
        }
    }
}
