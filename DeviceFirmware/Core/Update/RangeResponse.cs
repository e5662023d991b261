namespace SecureDevice.Core.Update
{
    /// <summary>
    /// What an HTTP response to a bundle-file request means for the download (<see cref="IBundleSource.Open"/>): the one
    /// rule both the ESP32 adapter and the virtual devices' source apply, so they cannot drift apart. Pure; the adapters
    /// only read the status line and two headers.
    /// <list type="bullet">
    /// <item>200: the whole file; for a ranged request (<c>offset</c> &gt; 0) that is <see cref="DownloadStatus.RangeIgnored"/>.</item>
    /// <item>206: accepted only when <c>Content-Range: bytes first-last/total</c> starts at the offset asked for, ends
    /// before the total, and agrees with <c>Content-Length</c> when both are given: any other 206 would splice foreign
    /// bytes into the file (<see cref="DownloadStatus.ServerError"/>).</item>
    /// <item>404 and 410: <see cref="DownloadStatus.NotFound"/>; 416: <see cref="DownloadStatus.RangeNotSatisfiable"/>; any
    /// other status (3xx included: redirects, which could lead to plain http, are never followed): <see cref="DownloadStatus.ServerError"/>.</item>
    /// </list>
    /// </summary>
    public static class RangeResponse
    {
        /// <summary>Largest length or offset accepted in headers (a bundle file is at most 16 MiB; this is far above).</summary>
        public const long MaxValue = 99999999999L;

        /// <summary>Classifies one response.</summary>
        /// <param name="statusCode">The HTTP status code.</param>
        /// <param name="contentLength">The Content-Length header, or -1 when absent.</param>
        /// <param name="contentRange">The Content-Range header's text, or null when absent.</param>
        /// <param name="offset">The first byte requested (0: the whole file).</param>
        /// <param name="remaining">Bytes announced from <paramref name="offset"/> to the end, or -1 when unknown (valid with <see cref="DownloadStatus.Ok"/>).</param>
        public static DownloadStatus Classify(int statusCode, long contentLength, string contentRange, long offset, out long remaining)
        {
            remaining = -1;
            if (statusCode == 200)
            {
                if (offset > 0)
                {
                    return DownloadStatus.RangeIgnored;
                }

                remaining = contentLength >= 0 ? contentLength : -1;
                return DownloadStatus.Ok;
            }

            if (statusCode == 206)
            {
                long first;
                long last;
                long total;
                if (!TryParseContentRange(contentRange, out first, out last, out total) || first != offset
                    || (contentLength >= 0 && contentLength != last - first + 1))
                {
                    return DownloadStatus.ServerError;
                }

                remaining = last - first + 1;
                return DownloadStatus.Ok;
            }

            if (statusCode == 404 || statusCode == 410)
            {
                return DownloadStatus.NotFound;
            }

            return statusCode == 416 ? DownloadStatus.RangeNotSatisfiable : DownloadStatus.ServerError;
        }

        /// <summary>
        /// Parses <c>bytes first-last/total</c> (total may be <c>*</c>, then -1). False for anything else: another unit,
        /// missing parts, signs, spaces inside, numbers over <see cref="MaxValue"/>, last before first, last at or past total.
        /// Each part is -1 when it was not read or is not a number up to MaxValue (a refused header keeps the parts read before the fault).
        /// </summary>
        public static bool TryParseContentRange(string header, out long first, out long last, out long total)
        {
            first = -1;
            last = -1;
            total = -1;
            if (header == null || !header.StartsWith("bytes "))
            {
                return false;
            }

            // ToCharArray, not header[i]: nanoCLR's string indexer is wrong for surrogate pairs (any would be refused anyway).
            char[] text = header.ToCharArray();
            int position = 6;
            first = Number(text, ref position);
            if (first < 0 || position >= text.Length || text[position++] != '-')
            {
                return false;
            }

            last = Number(text, ref position);
            if (last < first || position >= text.Length || text[position++] != '/')
            {
                return false;
            }

            if (position == text.Length - 1 && text[position] == '*')
            {
                total = -1;
                return true;
            }

            total = Number(text, ref position);
            return total > last && position == text.Length;
        }

        // A run of decimal digits at `position` (moved past it), or -1 when there is none or it is over MaxValue.
        private static long Number(char[] text, ref int position)
        {
            long value = -1;
            while (position < text.Length && text[position] >= '0' && text[position] <= '9')
            {
                value = (value < 0 ? 0 : value * 10) + (text[position] - '0');
                if (value > MaxValue)
                {
                    return -1;
                }

                position++;
            }

            return value;
        }
    }
}
