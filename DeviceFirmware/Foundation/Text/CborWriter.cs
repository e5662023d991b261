namespace SecureDevice.Core.Text
{
    /// <summary>
    /// Writes the few CBOR (RFC 8949) items the health report uses, in preferred (shortest) serialisation, into a
    /// caller-owned buffer: definite-length maps and arrays, integers, null, booleans. No allocation. Running out of
    /// buffer is a status (<see cref="BoundedOutput.Overflowed"/>), not growth.
    /// </summary>
    public sealed class CborWriter : BoundedOutput
    {
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
            Put(0xF6);
        }

        /// <summary>true or false (simple values 21 and 20).</summary>
        public void WriteBoolean(bool value)
        {
            Put(value ? 0xF5 : 0xF4);
        }

        private void WriteHead(int major, ulong value)
        {
            int type = major << 5;
            if (value < 24)
            {
                Put(type | (int)value);
            }
            else if (value <= 0xFF)
            {
                Put(type | 24);
                Put((int)value);
            }
            else if (value <= 0xFFFF)
            {
                Put(type | 25);
                WriteBigEndian(value, 2);
            }
            else if (value <= 0xFFFFFFFF)
            {
                Put(type | 26);
                WriteBigEndian(value, 4);
            }
            else
            {
                Put(type | 27);
                WriteBigEndian(value, 8);
            }
        }

        private void WriteBigEndian(ulong value, int bytes)
        {
            for (int i = bytes - 1; i >= 0; i--)
            {
                Put((int)(value >> (8 * i)));
            }
        }
    }
}
