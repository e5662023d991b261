namespace SecureDevice.Core.Update
{
    /// <summary>Outcome of an <see cref="IBundleSource"/> call. Every failure is expected in the field and is retried with backoff.</summary>
    public enum DownloadStatus
    {
        /// <summary>Done.</summary>
        Ok = 0,

        /// <summary>The server has no such file (HTTP 404 or 410).</summary>
        NotFound = 1,

        /// <summary>A ranged request was answered with the whole file (HTTP 200): the source closed it; restart from 0.</summary>
        RangeIgnored = 2,

        /// <summary>The requested offset is at or past the end of the file (HTTP 416).</summary>
        RangeNotSatisfiable = 3,

        /// <summary>DNS, TCP or an interrupted body.</summary>
        NetworkError = 4,

        /// <summary>The TLS handshake failed or the server certificate is not signed by the pinned CA.</summary>
        TlsError = 5,

        /// <summary>Any other HTTP status (5xx, 403, ...), or a malformed response.</summary>
        ServerError = 6,

        /// <summary>No byte arrived within the source's read timeout.</summary>
        Timeout = 7,
    }
}
