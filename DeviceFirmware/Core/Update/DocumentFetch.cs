using SecureDevice.Core.Bundle;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The document phase of an update: fetches the offer's delegation, manifest and signature into the fixed buffers of
    /// <see cref="BundleDocuments"/> (5.3 KB in all, so one step fetches them), continuing after the bytes an interrupted
    /// attempt kept. The signature check covers every byte, so a document pieced together from two responses cannot pass
    /// unless it is the signed one. Documents already fetched are kept: a drop costs only the document it interrupted.
    /// <para>
    /// It owns the document index and the bytes of the current document; it never writes the journal or the engine's
    /// state. <see cref="Step"/> returns a <see cref="DownloadStep"/> that <see cref="UpdateEngine"/> maps.
    /// </para>
    /// </summary>
    public sealed class DocumentFetch
    {
        private readonly BundleDocuments _documents;
        private readonly IBundleSource _source;
        private readonly UpdateStatistics _statistics;
        private readonly byte[] _chunk;
        private int _index;
        private int _bytes;

        /// <summary>Creates the phase over the documents' buffers; <paramref name="chunk"/> is the engine's caller-owned buffer.</summary>
        public DocumentFetch(BundleDocuments documents, IBundleSource source, UpdateStatistics statistics, byte[] chunk)
        {
            _documents = documents;
            _source = source;
            _statistics = statistics;
            _chunk = chunk;
        }

        /// <summary>True when the last <see cref="Step"/> gained a byte or a document (the retry schedule's failures in a row end).</summary>
        public bool Progressed { get; private set; }

        /// <summary>One line explaining the last <see cref="DownloadStep.Failed"/> or <see cref="DownloadStep.Rejected"/>.</summary>
        public string Detail { get; private set; }

        /// <summary>Why the bundle was refused, after <see cref="DownloadStep.Rejected"/>.</summary>
        public BundleStatus Rejection { get; private set; }

        /// <summary>Starts over with the first document (a new offer).</summary>
        public void Reset()
        {
            _index = 0;
            _bytes = 0;
        }

        /// <summary>Fetches the documents not yet fetched from <paramref name="url"/>.</summary>
        /// <returns>
        /// <see cref="DownloadStep.Done"/> when all three are in their buffers (not yet verified);
        /// <see cref="DownloadStep.Failed"/> when the source failed (a retry continues where this one stopped);
        /// <see cref="DownloadStep.Rejected"/> when a document is larger than the format allows. Never More.
        /// </returns>
        public DownloadStep Step(string url)
        {
            Progressed = false;
            while (_index < 3)
            {
                BundleStatus fetched;
                if (!Fetch(_index, url, out fetched))
                {
                    return DownloadStep.Failed;
                }

                if (fetched != BundleStatus.Verified)
                {
                    Rejection = fetched;
                    Detail = BundleDocuments.FileName(_index) + " is larger than the format allows";
                    return DownloadStep.Rejected;
                }

                _index++;
                Progressed = true;
            }

            return DownloadStep.Done;
        }

        // Fetches document `index` into its buffer after the bytes already there. False when the attempt failed.
        private bool Fetch(int index, string url, out BundleStatus status)
        {
            status = BundleStatus.Verified;
            byte[] buffer = _documents.Buffer(index);
            string name = BundleDocuments.FileName(index);
            long remaining;
            DownloadStatus opened = _source.Open(url + name, _bytes, out remaining);
            if (opened == DownloadStatus.RangeNotSatisfiable && _bytes > 0)
            {
                // The previous attempt had every byte but was cut before the end was seen.
                return Complete(index);
            }

            if (opened == DownloadStatus.RangeIgnored)
            {
                _bytes = 0;
                opened = _source.Open(url + name, 0, out remaining);
            }

            if (opened != DownloadStatus.Ok)
            {
                return Fail(name, opened);
            }

            while (true)
            {
                if (_bytes == buffer.Length)
                {
                    // Full: one more byte means the document is over its limit.
                    int extra;
                    DownloadStatus more = _source.Read(_chunk, 0, 1, out extra);
                    _source.Close();
                    if (more != DownloadStatus.Ok)
                    {
                        return Fail(name, more);
                    }

                    status = extra > 0 ? BundleDocuments.MalformedStatus(index) : BundleStatus.Verified;
                    return Complete(index);
                }

                int read;
                DownloadStatus got = _source.Read(buffer, _bytes, buffer.Length - _bytes, out read);
                if (got != DownloadStatus.Ok)
                {
                    _source.Close();
                    return Fail(name, got);
                }

                if (read == 0)
                {
                    _source.Close();
                    return Complete(index);
                }

                _bytes += read;
                Progressed = true;
                _statistics.Received(read);
            }
        }

        private bool Complete(int index)
        {
            _documents.SetLength(index, _bytes);
            _bytes = 0;
            return true;
        }

        private bool Fail(string name, DownloadStatus status)
        {
            Detail = "fetching " + name + ": " + DownloadStatusText.Name(status);
            return false;
        }
    }
}
