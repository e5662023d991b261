namespace SecureDevice.Core.Update
{
    /// <summary>
    /// How far the candidate's payload download is: bytes verified so far (on flash or streamed), the total, and one event
    /// each time the download crosses half way (either way). Written only by <see cref="PayloadDownload"/>, read through
    /// <see cref="UpdateStatus"/>. It is an object of its own, holding nothing but these numbers, so that whoever keeps the
    /// status (the platform, the event writer, a test) keeps these few bytes alive and not the download's verifier, buffer,
    /// source and manifest.
    /// </summary>
    public sealed class DownloadProgress
    {
        private int _half;

        /// <summary>Payload bytes of the candidate verified so far (on flash or streamed), 0..<see cref="BytesTotal"/>.</summary>
        public long BytesDone { get; private set; }

        /// <summary>Total payload bytes of the candidate (0 before the first download).</summary>
        public long BytesTotal { get; private set; }

        /// <summary>Counts each time the download crosses half way (either way): one event each, so the engine's event sequence includes them.</summary>
        public int Events { get; private set; }

        /// <summary>A new download of <paramref name="total"/> bytes, nothing done yet and below half way.</summary>
        public void Begin(long total)
        {
            BytesTotal = total;
            BytesDone = 0;
            _half = 0;
        }

        /// <summary>
        /// <paramref name="done"/> bytes are verified; an event when that crosses half way. One progress event at half way:
        /// with the start and the end that is three events per download, well inside the update-progress budget of the
        /// publish limiter (burst 10).
        /// </summary>
        public void Reach(long done)
        {
            BytesDone = done;
            int half = BytesTotal > 0 && done * 2 >= BytesTotal ? 1 : 0;
            if (half != _half)
            {
                _half = half;
                Events++;
            }
        }

        /// <summary>Goes back to <paramref name="done"/> bytes (a file deleted or a failed read-back) without an event: the half-way mark already reported stands.</summary>
        public void Rewind(long done)
        {
            BytesDone = done;
        }
    }
}
