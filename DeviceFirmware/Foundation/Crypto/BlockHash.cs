using System;

namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// The Merkle–Damgård frame shared by SHA-256 and SHA-512: block buffering, padding with 0x80, zeros and the
    /// big-endian bit length. Derived classes supply the compression function and the digest words.
    /// All buffers are allocated once; <see cref="Append"/> and <see cref="Finish"/> allocate nothing.
    /// </summary>
    public abstract class BlockHash
    {
        private readonly byte[] _block;
        private readonly int _lengthFieldSize;
        private int _blockFill;
        private long _messageBytes;

        /// <summary>Creates the frame for <paramref name="blockSize"/>-byte blocks and a length field of <paramref name="lengthFieldSize"/> bytes.</summary>
        protected BlockHash(int blockSize, int lengthFieldSize)
        {
            _block = new byte[blockSize];
            _lengthFieldSize = lengthFieldSize;
        }

        /// <summary>Digest length in bytes.</summary>
        public abstract int DigestSize { get; }

        /// <summary>Discards any message in progress and starts a new one.</summary>
        public void Reset()
        {
            ResetState();
            _blockFill = 0;
            _messageBytes = 0;
        }

        /// <summary>
        /// Appends <paramref name="count"/> bytes of <paramref name="data"/> starting at <paramref name="offset"/>.
        /// The caller keeps ownership of <paramref name="data"/>; nothing is retained after the call.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException">The range lies outside <paramref name="data"/>.</exception>
        public void Append(byte[] data, int offset, int count)
        {
            ByteRange.Check(data, offset, count);
            int blockSize = _block.Length;
            _messageBytes += count;
            if (_blockFill > 0)
            {
                int take = blockSize - _blockFill;
                if (take > count)
                {
                    take = count;
                }

                Array.Copy(data, offset, _block, _blockFill, take);
                _blockFill += take;
                offset += take;
                count -= take;
                if (_blockFill < blockSize)
                {
                    return;
                }

                Compress(_block, 0);
                _blockFill = 0;
            }

            while (count >= blockSize)
            {
                Compress(data, offset);
                offset += blockSize;
                count -= blockSize;
            }

            if (count > 0)
            {
                Array.Copy(data, offset, _block, 0, count);
                _blockFill = count;
            }
        }

        /// <summary>
        /// Pads the message, writes the digest to <paramref name="output"/> at <paramref name="outputOffset"/> and resets.
        /// </summary>
        /// <exception cref="ArgumentOutOfRangeException">Fewer than <see cref="DigestSize"/> bytes remain in <paramref name="output"/>.</exception>
        public void Finish(byte[] output, int outputOffset)
        {
            ByteRange.Check(output, outputOffset, DigestSize);
            int blockSize = _block.Length;
            long bitLength = _messageBytes * 8;
            _block[_blockFill++] = 0x80;
            if (_blockFill > blockSize - _lengthFieldSize)
            {
                Array.Clear(_block, _blockFill, blockSize - _blockFill);
                Compress(_block, 0);
                _blockFill = 0;
            }

            // Messages are below 2^60 bytes, so only the last 8 bytes of the length field are ever non-zero.
            Array.Clear(_block, _blockFill, blockSize - 8 - _blockFill);
            for (int i = 0; i < 8; i++)
            {
                _block[blockSize - 1 - i] = (byte)(bitLength >> (8 * i));
            }

            Compress(_block, 0);
            WriteDigest(output, outputOffset);
            Reset();
        }

        /// <summary>One-shot convenience on this instance; any message in progress is discarded.</summary>
        public void Hash(byte[] data, int offset, int count, byte[] output, int outputOffset)
        {
            Reset();
            Append(data, offset, count);
            Finish(output, outputOffset);
        }

        /// <summary>Sets the chaining state to the initial hash value.</summary>
        protected abstract void ResetState();

        /// <summary>Processes one block at <c>data[offset, +block size)</c>.</summary>
        protected abstract void Compress(byte[] data, int offset);

        /// <summary>Writes the chaining state big-endian as the digest.</summary>
        protected abstract void WriteDigest(byte[] output, int outputOffset);
    }
}
