using SecureDevice.Core.Bundle;

namespace SecureDevice.Core.Application
{
    /// <summary>What is running, as the loader and the update engine know it; reported in every health report.</summary>
    public sealed class RunningApplication
    {
        /// <summary>Creates the description of a factory image (version 0.0.0, slot A, confirmed).</summary>
        public RunningApplication()
        {
            Version = new AppVersion(0, 0, 0);
        }

        /// <summary>Version of the running application.</summary>
        public AppVersion Version { get; set; }

        /// <summary>Security version of the running application.</summary>
        public long SecurityVersion { get; set; }

        /// <summary>True when running from slot B.</summary>
        public bool SlotB { get; set; }

        /// <summary>True while the running slot is an update under test.</summary>
        public bool Testing { get; set; }

        /// <summary>Outcome code of the last update attempt since boot (0 = none).</summary>
        public int LastUpdateOutcome { get; set; }

        /// <summary>True when the loader loaded and started an application this boot (false: the device runs without one).</summary>
        public bool Loaded { get; set; }

        /// <summary>True once the application's entry point threw; a candidate under test is then reverted.</summary>
        public bool Failed { get; set; }
    }
}
