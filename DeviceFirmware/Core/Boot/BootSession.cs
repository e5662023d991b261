using SecureDevice.Core.Application;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Core.Boot
{
    /// <summary>
    /// What one boot knows about itself, from its first instruction: the boot count and reason (<see cref="BootTracker"/>),
    /// the last fault (<see cref="FaultLog"/>) and what runs (<see cref="RunningApplication"/>). The loader fills it and
    /// the agent reports it.
    /// </summary>
    public sealed class BootSession
    {
        private BootSession(IFileStore store, bool wokeFromDeepSleep)
        {
            Tracker = new BootTracker(store);
            Faults = new FaultLog(store);
            Application = new RunningApplication();
            Tracker.OnBoot(wokeFromDeepSleep);
            Faults.Load();
        }

        /// <summary>Boot count and reason (already counted).</summary>
        public BootTracker Tracker { get; private set; }

        /// <summary>The fault record (already loaded).</summary>
        public FaultLog Faults { get; private set; }

        /// <summary>What runs this boot.</summary>
        public RunningApplication Application { get; private set; }

        /// <summary>Starts a boot over <paramref name="store"/>: counts it, decides its reason, loads the fault record.</summary>
        public static BootSession Begin(IFileStore store, bool wokeFromDeepSleep)
        {
            if (store == null)
            {
                throw new System.ArgumentNullException("store");
            }

            return new BootSession(store, wokeFromDeepSleep);
        }
    }
}
