namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Writes the few CBOR (RFC 8949) items the health report uses, in preferred (shortest) serialisation, into a
    /// caller-owned buffer: definite-length maps and arrays, integers, null, booleans. No allocation. Running out of
    /// buffer is a status (<see cref="Overflowed"/>), not growth.
    /// </summary>
    public sealed class CborWriter
    {
        private byte[] _buffer;
        private int _start;
        private int _position;
        private int _end;

        /// <summary>True once an item did not fit; everything written after that is discarded.</summary>
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

        /// <summary>Map header with <paramref name="pairs"/> entries (major type 5).</summary>
        public void WriteMapHeader(int pairs)
        {
            WriteHead(5, (ulong)pairs);
        }

        /// <summary>Array header with <paramref name="items"/> items (major type 4).</summary>
        public void WriteArrayHeader(int items)
        {
            WriteHead(4, (ulong)items);
        }

        /// <summary>An integer: major type 0 when non-negative, 1 when negative.</summary>
        public void WriteInteger(long value)
        {
            if (value >= 0)
            {
                WriteHead(0, (ulong)value);
            }
            else
            {
                WriteHead(1, (ulong)(-1 - value));
            }
        }

        /// <summary>null (simple value 22).</summary>
        public void WriteNull()
        {
            WriteByte(0xF6);
        }

        /// <summary>true or false (simple values 21 and 20).</summary>
        public void WriteBoolean(bool value)
        {
            WriteByte(value ? 0xF5 : 0xF4);
        }

        private void WriteHead(int major, ulong value)
        {
            int type = major << 5;
            if (value < 24)
            {
                WriteByte(type | (int)value);
            }
            else if (value <= 0xFF)
            {
                WriteByte(type | 24);
                WriteByte((int)value);
            }
            else if (value <= 0xFFFF)
            {
                WriteByte(type | 25);
                WriteBigEndian(value, 2);
            }
            else if (value <= 0xFFFFFFFF)
            {
                WriteByte(type | 26);
                WriteBigEndian(value, 4);
            }
            else
            {
                WriteByte(type | 27);
                WriteBigEndian(value, 8);
            }
        }

        private void WriteBigEndian(ulong value, int bytes)
        {
            for (int i = bytes - 1; i >= 0; i--)
            {
                WriteByte((int)(value >> (8 * i)));
            }
        }

        private void WriteByte(int value)
        {
            if (Overflowed || _position >= _end)
            {
                Overflowed = true;
                return;
            }

            _buffer[_position++] = (byte)value;
        }
    }
}
