namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// The hardware readings a health report needs, behind one small interface (ESP32 adapter on the device, a simulated
    /// source in virtual devices). Every reading fails soft: a missing or failing sensor returns false ("absent"),
    /// never throws.
    /// </summary>
    public interface IHealthSource
    {
        /// <summary>Supply voltage in millivolts (ADC1 channel scaled by the divider ratio).</summary>
        bool TryReadSupplyMillivolts(out int millivolts);

        /// <summary>Supply current in milliamperes (an INA219 on I2C where the board has one: <see cref="Ina219"/>).</summary>
        bool TryReadSupplyMilliamps(out int milliamps);

        /// <summary>
        /// The idle-priority probe's progress since boot, calibration windows not included: loop iterations counted and the
        /// milliseconds spent counting, both cumulative 32-bit counters that may wrap (<see cref="ComputeLoad"/>).
        /// </summary>
        bool TryReadIdleProgress(out int iterations, out int milliseconds);

        /// <summary>Chip temperature in tenths of a degree Celsius.</summary>
        bool TryReadTemperatureDeciCelsius(out int deciCelsius);

        /// <summary>Native heap: total, free and largest free block, bytes.</summary>
        bool TryReadNativeMemory(out long total, out long free, out long largestBlock);

        /// <summary>Managed heap free bytes after a garbage collection.</summary>
        bool TryReadManagedFree(out long free);

        /// <summary>Wi-Fi signal strength of the current network in dBm.</summary>
        bool TryReadRssi(out int dbm);
    }
}
