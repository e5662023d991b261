namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Writes compact JSON's ASCII pieces (punctuation, short keys, integers, null) into a caller-owned buffer without
    /// allocating; integers are formatted digit by digit. Running out of buffer sets <see cref="Overflowed"/>.
    /// </summary>
    public sealed class AsciiWriter
    {
        private byte[] _buffer;
        private int _start;
        private int _position;
        private int _end;

        /// <summary>True once something did not fit.</summary>
        public bool Overflowed { get; private set; }

        /// <summary>Bytes written since <see cref="Reset"/>.</summary>
        public int Length
        {
            get { return _position - _start; }
        }

        /// <summary>Starts writing into <c>buffer[offset, +count)</c>.</summary>
        public void Reset(byte[] buffer, int offset, int count)
        {
            ByteRange.Check(buffer, offset, count);
            _buffer = buffer;
            _start = offset;
            _position = offset;
            _end = offset + count;
            Overflowed = false;
        }

        /// <summary>One ASCII character.</summary>
        public void WriteChar(char c)
        {
            if (Overflowed || _position >= _end)
            {
                Overflowed = true;
                return;
            }

            _buffer[_position++] = (byte)c;
        }

        /// <summary>ASCII text as is (callers pass only constants: keys and punctuation).</summary>
        public void WriteText(string text)
        {
            for (int i = 0; i < text.Length; i++)
            {
                WriteChar(text[i]);
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
