namespace SecureDevice.Core.Update
{
    /// <summary>
    /// What the update engine did since boot, for reports, the simulator and tests. Counters only; no decision reads them.
    /// Each counter moves only through its own method, called by the one part that sees the event: the engine
    /// (<see cref="OfferReceived"/>), <see cref="UpdateReport"/> (<see cref="OfferRefused"/>, <see cref="AttemptFailed"/>),
    /// <see cref="DocumentFetch"/> and <see cref="PayloadDownload"/> (<see cref="Received"/>, <see cref="Rehashed"/>,
    /// <see cref="Resumed"/>). A negative amount is a bug of the caller and leaves the counter unchanged.
    /// </summary>
    public sealed class UpdateStatistics
    {
        /// <summary>Offers received since boot.</summary>
        public int OffersReceived { get; private set; }

        /// <summary>Offers refused since boot (malformed, busy, too soon, or the bundle rejected).</summary>
        public int OffersRejected { get; private set; }

        /// <summary>Failed download attempts since boot.</summary>
        public int DownloadFailures { get; private set; }

        /// <summary>Body bytes received from the source since boot.</summary>
        public long BytesReceived { get; private set; }

        /// <summary>Bytes re-read from flash and re-hashed since boot (resumes and the final verification).</summary>
        public long BytesRehashed { get; private set; }

        /// <summary>Downloads resumed from bytes already on flash since boot.</summary>
        public int Resumes { get; private set; }

        /// <summary>An offer arrived (valid or not).</summary>
        public void OfferReceived()
        {
            OffersReceived++;
        }

        /// <summary>An offer was refused, or its bundle rejected.</summary>
        public void OfferRefused()
        {
            OffersRejected++;
        }

        /// <summary>A download attempt failed.</summary>
        public void AttemptFailed()
        {
            DownloadFailures++;
        }

        /// <summary><paramref name="bytes"/> body bytes came from the source.</summary>
        public void Received(long bytes)
        {
            if (bytes > 0)
            {
                BytesReceived += bytes;
            }
        }

        /// <summary><paramref name="bytes"/> were read back from flash and hashed again.</summary>
        public void Rehashed(long bytes)
        {
            if (bytes > 0)
            {
                BytesRehashed += bytes;
            }
        }

        /// <summary>A download resumed from the bytes on flash.</summary>
        public void Resumed()
        {
            Resumes++;
        }
    }
}
