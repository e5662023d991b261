using System;

namespace SecureDevice.Core.Storage
{
    /// <summary>
    /// Writes big-endian fields into a caller-owned buffer for persisted records. Writing past the buffer is a caller bug
    /// (record layouts have fixed maximum sizes) and throws.
    /// </summary>
    public sealed class RecordWriter
    {
        private readonly byte[] _buffer;
        private int _position;

        /// <summary>Writes into <paramref name="buffer"/> from offset 0.</summary>
        public RecordWriter(byte[] buffer)
        {
            if (buffer == null)
            {
                throw new ArgumentNullException("buffer");
            }

            _buffer = buffer;
        }

        /// <summary>Bytes written so far.</summary>
        public int Length
        {
            get { return _position; }
        }

        /// <summary>The buffer being written.</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        /// <summary>Starts again at offset 0.</summary>
        public void Reset()
        {
            _position = 0;
        }

        /// <summary>Writes one byte.</summary>
        public void WriteByte(int value)
        {
            Ensure(1);
            _buffer[_position++] = (byte)value;
        }

        /// <summary>Writes a 32-bit integer.</summary>
        public void WriteInt32(int value)
        {
            Ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                _buffer[_position++] = (byte)(value >> shift);
            }
        }

        /// <summary>Writes a 64-bit integer.</summary>
        public void WriteInt64(long value)
        {
            Ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                _buffer[_position++] = (byte)(value >> shift);
            }
        }

        /// <summary>Writes a boolean as one byte.</summary>
        public void WriteBoolean(bool value)
        {
            WriteByte(value ? 1 : 0);
        }

        /// <summary>Writes an ASCII string of at most 255 characters (null is written as empty).</summary>
        /// <exception cref="ArgumentException">Longer than 255 characters or not ASCII.</exception>
        public void WriteAscii(string value)
        {
            string text = value == null ? string.Empty : value;
            if (text.Length > 255)
            {
                throw new ArgumentException("record strings are at most 255 characters", "value");
            }

            Ensure(1 + text.Length);
            _buffer[_position++] = (byte)text.Length;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] > 127)
                {
                    throw new ArgumentException("record strings are ASCII", "value");
                }

                _buffer[_position++] = (byte)text[i];
            }
        }

        /// <summary>Writes <c>data[offset, +count)</c> raw.</summary>
        public void WriteBytes(byte[] data, int offset, int count)
        {
            ByteRange.Check(data, offset, count);
            Ensure(count);
            Array.Copy(data, offset, _buffer, _position, count);
            _position += count;
        }

        private void Ensure(int count)
        {
            if (_position + count > _buffer.Length)
            {
                throw new InvalidOperationException("record buffer of " + _buffer.Length + " bytes is too small");
            }
        }
    }
}
