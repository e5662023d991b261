using SecureDevice.Core.Bundle;

namespace SecureDevice.Core.Boot
{
    /// <summary>What is running, as the loader and the update engine know it; reported in every health report.</summary>
    public sealed class RunningApplication
    {
        private int _failed;
        private string _failureDetail;

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

        /// <summary>Outcome of the last update attempt since boot.</summary>
        public Update.UpdateOutcome LastUpdateOutcome { get; set; }

        /// <summary>True when the loader loaded and started an application this boot (false: the device runs without one).</summary>
        public bool Loaded { get; set; }

        /// <summary>
        /// True when this boot's loader could read neither update record (<c>JournalStore.FloorUnknown</c>, set by
        /// <see cref="BootSequence"/>): nothing runs. Reported as <c>HealthFlags.UpdateRecordsUnreadable</c>.
        /// </summary>
        public bool UpdateRecordsUnreadable { get; set; }

        /// <summary>
        /// True while the floor record lags (<c>JournalStore.FloorRecordLagging</c>): set by <see cref="BootSequence"/> after
        /// the boot and by the agent after each update-engine step, the two places that save the journal. Reported as
        /// <c>HealthFlags.FloorRecordLagging</c>.
        /// </summary>
        public bool FloorRecordLagging { get; set; }

        /// <summary>
        /// True once the application's entry point threw (<see cref="ReportFailure"/>); the main loop then reverts a
        /// candidate under test. Read from the main loop, written from the application's thread.
        /// </summary>
        public bool Failed
        {
            get { return System.Threading.Interlocked.CompareExchange(ref _failed, 0, 0) != 0; }
        }

        /// <summary>What the application's thread said when it failed (an exception type and message), or null.</summary>
        public string FailureDetail
        {
            get { return _failureDetail; }
        }

        /// <summary>
        /// Called on the application's thread when its entry point threw: records the failure and nothing else. Every
        /// decision (revert, fault record, report) is taken by the main loop, which owns the update engine's buffers.
        /// </summary>
        public void ReportFailure(string detail)
        {
            _failureDetail = detail;
            System.Threading.Interlocked.Exchange(ref _failed, 1);
        }
    }
}
