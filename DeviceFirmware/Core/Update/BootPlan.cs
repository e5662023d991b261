using SecureDevice.Core.Bundle;

namespace SecureDevice.Core.Update
{
    /// <summary>What the loader boots, as decided by <see cref="BootPlanner"/>. Filled by the planner; read-only for others.</summary>
    public sealed class BootPlan
    {
        /// <summary>The decision-table row that applied.</summary>
        public BootDecision Decision { get; internal set; }

        /// <summary>Slot to load, or -1 to run without an application (the device still connects, reports and takes updates).</summary>
        public int Slot { get; internal set; }

        /// <summary>True when <see cref="Slot"/> is the candidate on probation.</summary>
        public bool Testing { get; internal set; }

        /// <summary>The verified manifest of <see cref="Slot"/> (its chain, journal binding and floor were checked), or null.</summary>
        public Manifest Manifest { get; internal set; }

        /// <summary>Version of the confirmed application in the active slot when it verified this boot, else null.</summary>
        public AppVersion ActiveVersion { get; internal set; }

        /// <summary>Security version of the confirmed application (0 when unknown).</summary>
        public long ActiveSecurityVersion { get; internal set; }

        /// <summary>Why the active slot did not verify (<see cref="BundleStatus.Verified"/> when it did or was not checked).</summary>
        public BundleStatus ActiveStatus { get; internal set; }

        /// <summary>Why the candidate did not verify (<see cref="BundleStatus.Verified"/> when it did or was not checked).</summary>
        public BundleStatus CandidateStatus { get; internal set; }

        /// <summary>True when the journal could not be saved (the decision is made again at the next boot).</summary>
        public bool JournalSaveFailed { get; internal set; }

        /// <summary>
        /// True when the journal could not be read this boot (a medium failure, not a missing record): the slot was chosen
        /// as for a lost journal, nothing is written over the unread journal, and the engine takes no offer until the next
        /// boot reads it again.
        /// </summary>
        public bool JournalUnreadable { get; internal set; }

        internal void Clear()
        {
            Decision = BootDecision.None;
            Slot = -1;
            Testing = false;
            Manifest = null;
            ActiveVersion = null;
            ActiveSecurityVersion = 0;
            ActiveStatus = BundleStatus.Verified;
            CandidateStatus = BundleStatus.Verified;
            JournalSaveFailed = false;
            JournalUnreadable = false;
        }
    }
}
