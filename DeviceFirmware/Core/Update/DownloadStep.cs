namespace SecureDevice.Core.Update
{
    /// <summary>
    /// What one step of <see cref="PayloadDownload"/> or <see cref="DocumentFetch"/> ended in. The phase only reports;
    /// <see cref="UpdateEngine"/> maps the status onto its state and the journal's named transitions.
    /// </summary>
    public enum DownloadStep
    {
        /// <summary>Work is left and nothing went wrong: the engine comes back at once (after the platform serviced MQTT).</summary>
        More = 0,

        /// <summary>The phase is complete: every document fetched, every payload file verified, or the slot read back intact.</summary>
        Done = 1,

        /// <summary>An attempt failed in a way a retry may cure (network, server, a flash read or write error): the engine counts it and backs off. Detail says what.</summary>
        Failed = 2,

        /// <summary>The bundle itself is wrong (a document over its limit, a file whose size or hash is not the manifest's): the update ends with the phase's <c>Rejection</c>.</summary>
        Rejected = 3,

        /// <summary>The flash cannot hold or give back the candidate (full, a delete failed, the documents on flash no longer verify): the update ends as storage-failed.</summary>
        StorageFailed = 4,
    }
}
