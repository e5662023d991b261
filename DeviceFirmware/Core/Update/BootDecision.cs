namespace SecureDevice.Core.Update
{
    /// <summary>The rows of the loader's decision table (docs/update-engine.md), in the order they are tried.</summary>
    public enum BootDecision
    {
        /// <summary>Not planned yet.</summary>
        None = 0,

        /// <summary>
        /// No journal (or an unreadable one): adopt the best verified slot at or above the floor record's floor (factory
        /// image) and start a journal with the higher of that floor and the slot's security version; none: no application.
        /// </summary>
        AdoptInstalled = 1,

        /// <summary>Testing and the boot limit is reached: revert to the active slot.</summary>
        RevertBootLimit = 2,

        /// <summary>Staged or Testing but the candidate no longer verifies: revert to the active slot.</summary>
        RevertCorrupt = 3,

        /// <summary>Testing: boot the candidate again and count the boot.</summary>
        ContinueTest = 4,

        /// <summary>Staged: boot the candidate for its first test boot.</summary>
        StartTest = 5,

        /// <summary>Downloading, too many boots interrupted it: give up and boot the active slot.</summary>
        AbandonDownload = 6,

        /// <summary>Downloading: boot the active slot; the engine resumes the download.</summary>
        ResumeDownload = 7,

        /// <summary>Idle: boot the active slot.</summary>
        BootActive = 8,

        /// <summary>After a plan: the loader found a candidate's payload bytes wrong or its entry point failed; revert.</summary>
        RevertLoadFailed = 9,
    }
}
