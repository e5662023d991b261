using SecureDevice.Core.Telemetry;

namespace SecureDevice.Doubles
{
    /// <summary>
    /// The report used to check the size budgets: every field present, each at the largest value a healthy-but-busy
    /// device realistically reaches (docs/telemetry.md explains each choice). `securedevice health sample` prints it.
    /// </summary>
    public static class RealisticMaximum
    {
        /// <summary>Fills <paramref name="s"/> with the realistic maximum values.</summary>
        public static void Fill(HealthSnapshot s)
        {
            s.Sequence = 25920;                 // 90 days of 5-minute reports
            s.UptimeSeconds = 7776000;          // 90 days
            s.BootCount = 5000;
            s.BootReason = (int)BootReason.Unclean;
            s.HasSupply = true;
            s.SupplyMillivolts = 3600;
            s.HasSupplyCurrent = true;
            s.SupplyMilliamps = 500;            // an ESP32 board with its peripherals, Wi-Fi transmitting
            s.HasLoad = true;
            s.LoadPercent = 100;
            s.HasTemperature = true;
            s.TemperatureDeciCelsius = 850;     // 85.0 °C, the ESP32's rated maximum
            s.HasNativeMemory = true;
            s.HasHeapTotal = false;             // sent only until the first report of a boot was published
            s.HeapTotalKiB = 300;               // ESP32 without PSRAM
            s.HeapFreeKiB = 300;
            s.HeapLargestKiB = 250;
            s.HeapFreeMinKiB = 300;
            s.HasManagedMemory = true;
            s.ManagedFreeKiB = 250;
            s.ManagedFreeMinKiB = 250;
            s.MessagesUp = 60000;
            s.PayloadUpKiB = 60000;
            s.MessagesUpSinceLast = 255;
            s.BytesUpSinceLast = 65535;
            s.MessagesDown = 60000;
            s.PayloadDownKiB = 60000;
            s.MessagesDownSinceLast = 255;
            s.BytesDownSinceLast = 65535;
            s.HasRssi = true;
            s.Rssi = -100;
            s.Attempts = 60000;
            s.FailedNetwork = 60000;
            s.FailedTls = 60000;
            s.FailedAuthentication = 255;
            s.FailedRefused = 60000;
            s.BackoffSeconds = 65535;
            s.Dropped = 60000;
            s.Delayed = 60000;
            s.Rejected = 60000;
            s.UpdateOutcome = 57;
            s.VersionMajor = 23;
            s.VersionMinor = 255;
            s.VersionPatch = 255;
            s.SecurityVersion = 255;
            s.CertificateDays = 3650;
            s.Flags = 255;
        }
    }
}
