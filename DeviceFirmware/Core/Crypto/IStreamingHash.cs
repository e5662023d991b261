namespace SecureDevice.Core.Crypto
{
    /// <summary>A reusable streaming hash: <see cref="Append"/> any number of times, then <see cref="Finish"/>.</summary>
    public interface IStreamingHash
    {
        /// <summary>Digest length in bytes.</summary>
        int DigestSize { get; }

        /// <summary>Discards any message in progress.</summary>
        void Reset();

        /// <summary>Appends <c>data[offset, +count)</c>; nothing is retained after the call.</summary>
        void Append(byte[] data, int offset, int count);

        /// <summary>Writes the digest at <paramref name="outputOffset"/> and resets for the next message.</summary>
        void Finish(byte[] output, int outputOffset);
    }
}
