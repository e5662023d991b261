namespace SecureDevice.Core.Text
{
    /// <summary>
    /// Writes the few CBOR (RFC 8949) items the health report uses, in preferred (shortest) serialisation, into a
    /// caller-owned buffer: definite-length maps and arrays, integers, null, booleans. No allocation. Running out of
    /// buffer is a status (<see cref="BoundedOutput.Overflowed"/>), not growth.
    /// </summary>
    public sealed class CborWriter : BoundedOutput
    {
        /// <summary>Most entries of a map or array begun with <see cref="BeginShortMap"/> or <see cref="BeginShortArray"/>.</summary>
        public const int MaxShortCount = 23;

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

        /// <summary>
        /// Header of a map whose entries (at most <see cref="MaxShortCount"/>) are not counted yet: one byte, completed by
        /// <see cref="EndShortMap"/>.
        /// </summary>
        /// <returns>The header's position, for <see cref="EndShortMap"/>.</returns>
        public int BeginShortMap()
        {
            int header = Length;
            WriteHead(5, 0);
            return header;
        }

        /// <summary>Completes the header written by <see cref="BeginShortMap"/> with the map's <paramref name="pairs"/>.</summary>
        /// <exception cref="System.ArgumentOutOfRangeException">More than <see cref="MaxShortCount"/> pairs (a bug in the caller).</exception>
        public void EndShortMap(int header, int pairs)
        {
            PutAt(header, ShortHead(5, pairs));
        }

        /// <summary>
        /// Header of an array whose items (at most <see cref="MaxShortCount"/>) are not counted yet: one byte, completed by
        /// <see cref="EndShortArray"/>.
        /// </summary>
        /// <returns>The header's position, for <see cref="EndShortArray"/>.</returns>
        public int BeginShortArray()
        {
            int header = Length;
            WriteHead(4, 0);
            return header;
        }

        /// <summary>Completes the header written by <see cref="BeginShortArray"/> with the array's <paramref name="items"/>.</summary>
        /// <exception cref="System.ArgumentOutOfRangeException">More than <see cref="MaxShortCount"/> items (a bug in the caller).</exception>
        public void EndShortArray(int header, int items)
        {
            PutAt(header, ShortHead(4, items));
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

        // A one-byte head: the count lives in the initial byte only below 24 (RFC 8949 §3).
        private static int ShortHead(int major, int count)
        {
            if (count < 0 || count > MaxShortCount)
            {
                throw new System.ArgumentOutOfRangeException("count");
            }

            return (major << 5) | count;
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
