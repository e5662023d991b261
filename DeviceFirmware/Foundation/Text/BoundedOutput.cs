namespace SecureDevice.Core.Text
{
    /// <summary>
    /// A write cursor over a caller-owned byte range that never grows: a byte that does not fit sets
    /// <see cref="Overflowed"/> and everything after it is discarded. Base of the report encoders' writers.
    /// </summary>
    public abstract class BoundedOutput
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

        /// <summary>Appends one byte (the low 8 bits of <paramref name="value"/>).</summary>
        protected void Put(int value)
        {
            if (Overflowed || _position >= _end)
            {
                Overflowed = true;
                return;
            }

            _buffer[_position++] = (byte)value;
        }

        /// <summary>
        /// Replaces the byte written at <paramref name="index"/> (from the start, below <see cref="Length"/>) with the low
        /// 8 bits of <paramref name="value"/>: a header completed once its content is known. Nothing happens for a byte that
        /// was never written (it did not fit; <see cref="Overflowed"/> is set).
        /// </summary>
        protected void PutAt(int index, int value)
        {
            if (index >= 0 && index < Length)
            {
                _buffer[_start + index] = (byte)value;
            }
        }
    }
}
