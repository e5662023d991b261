namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Where update files come from: HTTPS with the server's CA pinned (nanoFramework's HttpWebRequest on the device,
    /// HttpClient in virtual devices). One file is open at a time. The adapter owns the connection and its buffers; the
    /// engine owns the buffer bytes are read into (at most 4 KB). Calls may block up to the adapter's timeouts.
    /// Implementations never throw for expected failures; they return a status and leave nothing open.
    /// </summary>
    public interface IBundleSource
    {
        /// <summary>
        /// Requests <paramref name="url"/> (absolute https URL) from byte <paramref name="offset"/> on. For an offset above 0
        /// the adapter sends <c>Range: bytes=offset-</c> and must answer <see cref="DownloadStatus.RangeIgnored"/> (after
        /// closing) when the server replies with the whole file.
        /// </summary>
        /// <param name="url">Absolute https URL of the file.</param>
        /// <param name="offset">First byte wanted; 0 for the whole file.</param>
        /// <param name="remaining">Bytes the server announced from <paramref name="offset"/> to the end, or -1 when unknown.</param>
        /// <returns><see cref="DownloadStatus.Ok"/> with the body open, or a failure with nothing open.</returns>
        DownloadStatus Open(string url, long offset, out long remaining);

        /// <summary>Reads up to <paramref name="count"/> body bytes into <c>buffer[offset, +count)</c>.</summary>
        /// <param name="buffer">Destination owned by the caller.</param>
        /// <param name="offset">Index in <paramref name="buffer"/> of the first byte to write.</param>
        /// <param name="count">Most bytes to read (at most 4 KB).</param>
        /// <param name="read">Bytes read; 0 with <see cref="DownloadStatus.Ok"/> means the body ended.</param>
        DownloadStatus Read(byte[] buffer, int offset, int count, out int read);

        /// <summary>Closes the open body, if any (always safe to call).</summary>
        void Close();
    }
}
