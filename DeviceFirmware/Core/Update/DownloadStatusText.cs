namespace SecureDevice.Core.Update
{
    /// <summary>Stable, lower-case, hyphenated names for <see cref="DownloadStatus"/> values, used in update details and logs.</summary>
    public static class DownloadStatusText
    {
        /// <summary>The name of <paramref name="status"/>, e.g. "range-not-satisfiable".</summary>
        public static string Name(DownloadStatus status)
        {
            switch (status)
            {
                case DownloadStatus.Ok: return "ok";
                case DownloadStatus.NotFound: return "not-found";
                case DownloadStatus.RangeIgnored: return "range-ignored";
                case DownloadStatus.RangeNotSatisfiable: return "range-not-satisfiable";
                case DownloadStatus.NetworkError: return "network-error";
                case DownloadStatus.TlsError: return "tls-error";
                case DownloadStatus.ServerError: return "server-error";
                default: return "timeout";
            }
        }
    }
}
