namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Where an update is (docs/update-engine.md). Idle, Downloading, Staged and Testing are persisted in the journal;
    /// Offered, Verifying and WaitingForReboot are transient states of the engine in one boot, never persisted. The
    /// engine's legal moves are <see cref="UpdateTransitions"/>. The end of an update is an <see cref="UpdateOutcome"/>
    /// (Confirmed, Reverted or Rejected with a reason), after which the engine is Idle again.
    /// </summary>
    public enum UpdateState
    {
        /// <summary>Nothing in progress.</summary>
        Idle = 0,

        /// <summary>An offer arrived; its manifest chain is being fetched and verified.</summary>
        Offered = 1,

        /// <summary>Payload files are being downloaded into the inactive slot (resumable).</summary>
        Downloading = 2,

        /// <summary>All files are on flash and are being re-verified from flash.</summary>
        Verifying = 3,

        /// <summary>Verified and ready: the next boot tests it.</summary>
        Staged = 4,

        /// <summary>Running the new slot on probation; it must be confirmed or it is reverted.</summary>
        Testing = 5,

        /// <summary>
        /// The journal holds a candidate (Staged or Testing) that this boot does not run, because the loader could not save
        /// its test boot and booted the active slot: nothing can be confirmed or reverted until the next boot, and offers
        /// are busy. Never persisted.
        /// </summary>
        WaitingForReboot = 6,
    }
}
