namespace SecureDevice.Core.Telemetry
{
    /// <summary>Bits of the health report's flags field (key 9 / "f").</summary>
    public static class HealthFlags
    {
        /// <summary>The wall clock is synchronised (SNTP).</summary>
        public const int TimeSynchronised = 1;

        /// <summary>The running application is in slot B (else A).</summary>
        public const int SlotB = 2;

        /// <summary>The running slot is an update under test, not yet confirmed.</summary>
        public const int Testing = 4;

        /// <summary>Safe mode (reboot loop detected).</summary>
        public const int SafeMode = 8;

        /// <summary>A server throttle command is in force.</summary>
        public const int Throttled = 16;

        /// <summary>This report was sent early because of an anomaly.</summary>
        public const int Anomaly = 32;

        /// <summary>The broker refused this device's identity before the current connection.</summary>
        public const int AuthenticationFailures = 64;

        /// <summary>Free native memory is below the low-memory threshold.</summary>
        public const int LowMemory = 128;

        /// <summary>
        /// This boot could read neither update record (journal and floor record; <c>JournalStore.FloorUnknown</c>): the device
        /// runs no application. Sent in every report of such a boot, so the service keeps storage-failed open while it holds
        /// (the fault <c>floor-unknown</c> is published once per boot).
        /// </summary>
        public const int UpdateRecordsUnreadable = 256;

        /// <summary>
        /// The floor record's last save failed and no later save succeeded (<c>JournalStore.FloorRecordLagging</c>): the
        /// anti-rollback floor rests on the journal alone. Sent while it holds, so the service keeps floor-save-failed open
        /// (the fault <c>floor-save-failed</c> is published once per boot).
        /// </summary>
        public const int FloorRecordLagging = 512;
    }
}
