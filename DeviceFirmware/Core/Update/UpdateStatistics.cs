namespace SecureDevice.Core.Update
{
    /// <summary>What the update engine did since boot, for reports, the simulator and tests. Counters only; no decision reads them.</summary>
    public sealed class UpdateStatistics
    {
        /// <summary>Offers received since boot.</summary>
        public int OffersReceived { get; internal set; }

        /// <summary>Offers refused since boot (malformed, busy, too soon, or the bundle rejected).</summary>
        public int OffersRejected { get; internal set; }

        /// <summary>Failed download attempts since boot.</summary>
        public int DownloadFailures { get; internal set; }

        /// <summary>Body bytes received from the source since boot.</summary>
        public long BytesReceived { get; internal set; }

        /// <summary>Bytes re-read from flash and re-hashed since boot (resumes and the final verification).</summary>
        public long BytesRehashed { get; internal set; }

        /// <summary>Downloads resumed from bytes already on flash since boot.</summary>
        public int Resumes { get; internal set; }
    }
}
