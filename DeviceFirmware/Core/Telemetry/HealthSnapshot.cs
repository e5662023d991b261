namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// One health report's values (schema 2, docs/telemetry.md), filled by the application's HealthSampler and encoded by
    /// <see cref="HealthReport"/>. Plain fields, allocated once. Absent readings are -1 in fields whose "Has" flag is false.
    /// </summary>
    public sealed class HealthSnapshot
    {
        /// <summary>Schema version of the report.</summary>
        public const int SchemaVersion = 2;

        /// <summary>Report number since boot (wraps at 2^31).</summary>
        public long Sequence;

        /// <summary>Seconds since boot.</summary>
        public long UptimeSeconds;

        /// <summary>Boots since provisioning.</summary>
        public long BootCount;

        /// <summary><see cref="Telemetry.BootReason"/> value.</summary>
        public int BootReason;

        /// <summary>Supply voltage, mV.</summary>
        public bool HasSupply;

        /// <summary>Supply voltage, mV.</summary>
        public long SupplyMillivolts;

        /// <summary>Supply current present (the board has a current monitor).</summary>
        public bool HasSupplyCurrent;

        /// <summary>Supply current, mA.</summary>
        public long SupplyMilliamps;

        /// <summary>Compute load present (calibrated probe, enough measured).</summary>
        public bool HasLoad;

        /// <summary>Compute load since the last report, 0..100 %.</summary>
        public long LoadPercent;

        /// <summary>Chip temperature present.</summary>
        public bool HasTemperature;

        /// <summary>Chip temperature, 0.1 °C.</summary>
        public long TemperatureDeciCelsius;

        /// <summary>Native heap readings present.</summary>
        public bool HasNativeMemory;

        /// <summary>Native heap total present: only until a report carrying it was published this boot (a board constant).</summary>
        public bool HasHeapTotal;

        /// <summary>Native heap total, KiB.</summary>
        public long HeapTotalKiB;

        /// <summary>Native heap free, KiB.</summary>
        public long HeapFreeKiB;

        /// <summary>Largest free native block, KiB.</summary>
        public long HeapLargestKiB;

        /// <summary>Lowest native free since boot, KiB.</summary>
        public long HeapFreeMinKiB;

        /// <summary>Managed heap reading present.</summary>
        public bool HasManagedMemory;

        /// <summary>Managed free after GC, KiB.</summary>
        public long ManagedFreeKiB;

        /// <summary>Lowest managed free since boot, KiB.</summary>
        public long ManagedFreeMinKiB;

        /// <summary>Messages published since boot.</summary>
        public long MessagesUp;

        /// <summary>Payload bytes published since boot, KiB.</summary>
        public long PayloadUpKiB;

        /// <summary>Messages published since the last report.</summary>
        public long MessagesUpSinceLast;

        /// <summary>Payload bytes published since the last report.</summary>
        public long BytesUpSinceLast;

        /// <summary>Messages received since boot.</summary>
        public long MessagesDown;

        /// <summary>Payload bytes received since boot, KiB.</summary>
        public long PayloadDownKiB;

        /// <summary>Messages received since the last report.</summary>
        public long MessagesDownSinceLast;

        /// <summary>Payload bytes received since the last report.</summary>
        public long BytesDownSinceLast;

        /// <summary>Wi-Fi RSSI present.</summary>
        public bool HasRssi;

        /// <summary>Wi-Fi RSSI, dBm.</summary>
        public long Rssi;

        /// <summary>Connection attempts since boot.</summary>
        public long Attempts;

        /// <summary>Failed attempts since boot: network.</summary>
        public long FailedNetwork;

        /// <summary>Failed attempts since boot: TLS.</summary>
        public long FailedTls;

        /// <summary>Failed attempts since boot: authentication.</summary>
        public long FailedAuthentication;

        /// <summary>Failed attempts since boot: refused.</summary>
        public long FailedRefused;

        /// <summary>Current backoff delay, seconds.</summary>
        public long BackoffSeconds;

        /// <summary>Publishes dropped by the limiter since boot.</summary>
        public long Dropped;

        /// <summary>Publishes delayed by the limiter since boot.</summary>
        public long Delayed;

        /// <summary>Inbound messages rejected by validation since boot.</summary>
        public long Rejected;

        /// <summary>Outcome of the last update attempt (0 = none since boot).</summary>
        public long UpdateOutcome;

        /// <summary>Application version, major.</summary>
        public long VersionMajor;

        /// <summary>Application version, minor.</summary>
        public long VersionMinor;

        /// <summary>Application version, patch.</summary>
        public long VersionPatch;

        /// <summary>Security version of the running application.</summary>
        public long SecurityVersion;

        /// <summary>Days until the device certificate expires (negative once expired).</summary>
        public long CertificateDays;

        /// <summary><see cref="HealthFlags"/> bits.</summary>
        public long Flags;
    }
}
