namespace SecureDevice.Core.Storage
{
    /// <summary>
    /// Reads big-endian fields written by <see cref="RecordWriter"/> from a caller-owned range. Every read checks the
    /// bounds and returns false instead of reading past the end, so a damaged or foreign record is a status, not a crash.
    /// </summary>
    public sealed class RecordReader
    {
        private byte[] _buffer;
        private int _position;
        private int _end;

        /// <summary>Reads <c>buffer[offset, +count)</c>.</summary>
        public RecordReader(byte[] buffer, int offset, int count)
        {
            Reset(buffer, offset, count);
        }

        /// <summary>Bytes left.</summary>
        public int Remaining
        {
            get { return _end - _position; }
        }

        /// <summary>Starts reading another range.</summary>
        public void Reset(byte[] buffer, int offset, int count)
        {
            ByteRange.Check(buffer, offset, count);
            _buffer = buffer;
            _position = offset;
            _end = offset + count;
        }

        /// <summary>Reads one byte.</summary>
        public bool TryReadByte(out int value)
        {
            value = 0;
            if (_end - _position < 1)
            {
                return false;
            }

            value = _buffer[_position++];
            return true;
        }

        /// <summary>Reads a 32-bit integer.</summary>
        public bool TryReadInt32(out int value)
        {
            value = 0;
            if (_end - _position < 4)
            {
                return false;
            }

            for (int i = 0; i < 4; i++)
            {
                value = (value << 8) | _buffer[_position++];
            }

            return true;
        }

        /// <summary>Reads a 64-bit integer.</summary>
        public bool TryReadInt64(out long value)
        {
            value = 0;
            if (_end - _position < 8)
            {
                return false;
            }

            for (int i = 0; i < 8; i++)
            {
                value = (value << 8) | _buffer[_position++];
            }

            return true;
        }

        /// <summary>Reads a boolean byte (only 0 or 1 are valid).</summary>
        public bool TryReadBoolean(out bool value)
        {
            int raw;
            value = false;
            if (!TryReadByte(out raw) || raw > 1)
            {
                return false;
            }

            value = raw == 1;
            return true;
        }

        /// <summary>Reads an ASCII string written by <see cref="RecordWriter.WriteAscii"/>.</summary>
        public bool TryReadAscii(out string value)
        {
            value = null;
            int length;
            if (!TryReadByte(out length) || _end - _position < length)
            {
                return false;
            }

            char[] chars = new char[length];
            for (int i = 0; i < length; i++)
            {
                int c = _buffer[_position + i];
                if (c > 127)
                {
                    return false;
                }

                chars[i] = (char)c;
            }

            _position += length;
            value = new string(chars);
            return true;
        }

        /// <summary>Copies <paramref name="count"/> raw bytes into <paramref name="destination"/>.</summary>
        public bool TryReadBytes(byte[] destination, int offset, int count)
        {
            ByteRange.Check(destination, offset, count);
            if (_end - _position < count)
            {
                return false;
            }

            System.Array.Copy(_buffer, _position, destination, offset, count);
            _position += count;
            return true;
        }
    }
}
