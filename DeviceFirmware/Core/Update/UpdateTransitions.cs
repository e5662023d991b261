namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The update engine's legal state changes at run time, the table "Engine transitions" of docs/update-engine.md (a
    /// host test compares the two row by row). <see cref="UpdateEngine"/> changes state only through its <c>Enter</c>,
    /// which refuses, as a bug, any pair that is not here. A boot is not a transition: <see cref="UpdateEngine.Start"/>
    /// begins afresh in Idle, Downloading, Testing or <see cref="UpdateState.WaitingForReboot"/> from the journal and the plan.
    /// </summary>
    public static class UpdateTransitions
    {
        // Pairs (from, to), in the docs' order.
        private static readonly UpdateState[] Table =
        {
            UpdateState.Idle, UpdateState.Offered,
            UpdateState.Downloading, UpdateState.Offered,
            UpdateState.Offered, UpdateState.Idle,
            UpdateState.Offered, UpdateState.Downloading,
            UpdateState.Downloading, UpdateState.Verifying,
            UpdateState.Downloading, UpdateState.Idle,
            UpdateState.Verifying, UpdateState.Downloading,
            UpdateState.Verifying, UpdateState.Staged,
            UpdateState.Verifying, UpdateState.Idle,
            UpdateState.Testing, UpdateState.Idle,
        };

        /// <summary>Number of legal transitions.</summary>
        public static int Count
        {
            get { return Table.Length / 2; }
        }

        /// <summary>The state transition <paramref name="index"/> leaves.</summary>
        public static UpdateState From(int index)
        {
            return Table[2 * index];
        }

        /// <summary>The state transition <paramref name="index"/> enters.</summary>
        public static UpdateState To(int index)
        {
            return Table[(2 * index) + 1];
        }

        /// <summary>
        /// The state a boot starts in (not a transition): Testing when the journal is Testing and the plan boots the
        /// candidate; Downloading (resume) and Idle as the journal says; otherwise <see cref="UpdateState.WaitingForReboot"/>:
        /// the journal holds a candidate (Staged or Testing) that this boot does not run because the loader could not save
        /// its test boot, so it can be neither confirmed nor reverted now.
        /// </summary>
        public static UpdateState AtBoot(UpdateState journal, bool planTesting)
        {
            if (journal == UpdateState.Testing && planTesting)
            {
                return UpdateState.Testing;
            }

            if (journal == UpdateState.Downloading || journal == UpdateState.Idle)
            {
                return journal;
            }

            return UpdateState.WaitingForReboot;
        }

        /// <summary>True when the engine may go from <paramref name="from"/> to <paramref name="to"/>.</summary>
        public static bool IsLegal(UpdateState from, UpdateState to)
        {
            for (int i = 0; i < Table.Length; i += 2)
            {
                if (Table[i] == from && Table[i + 1] == to)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
