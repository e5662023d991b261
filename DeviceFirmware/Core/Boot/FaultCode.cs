namespace SecureDevice.Core.Boot
{
    /// <summary>What went wrong, as the persistent fault record and the fault event name it. Stable values.</summary>
    public enum FaultCode
    {
        /// <summary>No fault recorded.</summary>
        None = 0,

        /// <summary>An exception escaped the firmware's main loop; the device rebooted after a backoff.</summary>
        MainLoop = 1,

        /// <summary>The planned application could not be loaded or started (a candidate is reverted).</summary>
        LoadFailed = 2,

        /// <summary>config.json or ca.pem is missing or invalid: the device runs its application but cannot connect.</summary>
        ConfigInvalid = 3,

        /// <summary>The running application's entry point threw (a candidate under test is reverted).</summary>
        ApplicationFailed = 4,

        /// <summary>The loader or the main loop ran out of memory.</summary>
        OutOfMemory = 5,

        /// <summary>
        /// The update journal was lost and the only validly signed slot was below the anti-rollback floor, so none was
        /// booted (docs/update-engine.md, row 1b): the device's update state was erased (tampering) or flash is badly damaged.
        /// </summary>
        RollbackRefused = 6,

        /// <summary>
        /// Neither the update journal nor the floor record could be read (a medium failure: <c>JournalStore.FloorUnknown</c>),
        /// so no floor was known and no slot was booted (docs/update-engine.md, row 1b); the next boot reads both again.
        /// </summary>
        FloorUnknown = 7,

        /// <summary>
        /// A save of the floor record (state/floor, the anti-rollback floor's second copy) failed: the flash refused a write
        /// (<c>JournalStore.FloorSaveFailures</c>). The device runs and the journal still holds the floor, but its rollback
        /// protection rests on that one record until a later save raises the floor record (docs/update-engine.md, "The floor
        /// record"). Recorded at most once per boot (<see cref="FaultLog.NoteFloorSaveFailures"/>).
        /// </summary>
        FloorSaveFailed = 8,
    }
}
