namespace SecureDevice.Core.Text
{
    /// <summary>
    /// Writes compact JSON's ASCII pieces (punctuation, short keys, integers, null) into a caller-owned buffer without
    /// allocating; integers are formatted digit by digit. Running out of buffer sets <see cref="BoundedOutput.Overflowed"/>.
    /// </summary>
    public sealed class AsciiWriter : BoundedOutput
    {
        /// <summary>One ASCII character.</summary>
        public void WriteChar(char c)
        {
            Put(c);
        }

        /// <summary>ASCII text as is (callers pass only constants: keys and punctuation).</summary>
        public void WriteText(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                WriteChar(text[i]);
            }
        }

        /// <summary>
        /// Untrusted text inside a JSON string: at most <paramref name="maxCharacters"/> characters, printable ASCII kept,
        /// anything else (control characters, quotes, backslashes, non-ASCII, either half of a surrogate pair) written as '?'.
        /// </summary>
        public void WriteCleanText(string text, int maxCharacters)
        {
            int length = text.Length < maxCharacters ? text.Length : maxCharacters;
            for (int i = 0; i < length; i++)
            {
                char c = text[i];
                WriteChar(c < ' ' || c > '~' || c == '"' || c == '\\' ? '?' : c);
            }
        }

        /// <summary>A decimal integer.</summary>
        public void WriteInteger(long value)
        {
            if (value < 0)
            {
                WriteChar('-');
                if (value == long.MinValue)
                {
                    WriteText("9223372036854775808");
                    return;
                }

                value = -value;
            }

            long divisor = 1;
            while (value / divisor >= 10)
            {
                divisor *= 10;
            }

            while (divisor > 0)
            {
                WriteChar((char)('0' + (int)((value / divisor) % 10)));
                divisor /= 10;
            }
        }
    }
}
