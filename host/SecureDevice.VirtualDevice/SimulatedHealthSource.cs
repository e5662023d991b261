using System;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.VirtualDevice;

/// <summary>
/// Plausible ESP32 readings for a virtual device (3.3 V supply, ~290 KiB native heap, ~110 KiB managed, RSSI around
/// -60 dBm), with noise, knobs to misbehave (a hijacked device drawing more power, a broken sensor) and absent sensors.
/// Thread-safe: the device thread reads while the demo turns knobs.
/// </summary>
public sealed class SimulatedHealthSource : IHealthSource
{
    private readonly Random _random;
    private readonly object _gate = new();

    public SimulatedHealthSource(int seed) => _random = new Random(seed);

    /// <summary>Nominal supply voltage in mV.</summary>
    public int SupplyMillivolts { get; set; } = 3300;

    /// <summary>When set, the supply reading is this raw value whatever it is (a broken ADC returns e.g. 65535).</summary>
    public int? StuckSupplyReading { get; set; }

    /// <summary>Free native memory in bytes.</summary>
    public long NativeFree { get; set; } = 190 * 1024;

    /// <summary>Whether the board has a temperature sensor (the ESP32 family mostly does not).</summary>
    public bool HasTemperature { get; set; }

    public bool TryReadSupplyMillivolts(out int millivolts)
    {
        lock (_gate)
        {
            millivolts = StuckSupplyReading ?? SupplyMillivolts + _random.Next(-15, 16);
            return true;
        }
    }

    public bool TryReadTemperatureDeciCelsius(out int deciCelsius)
    {
        lock (_gate)
        {
            deciCelsius = 420 + _random.Next(-10, 11);
            return HasTemperature;
        }
    }

    public bool TryReadNativeMemory(out long total, out long free, out long largestBlock)
    {
        lock (_gate)
        {
            total = 290 * 1024;
            free = Math.Min(total, Math.Max(0, NativeFree + _random.Next(-2048, 2049)));
            largestBlock = free * 6 / 10;
            return true;
        }
    }

    public bool TryReadManagedFree(out long free)
    {
        lock (_gate)
        {
            free = 110 * 1024 + _random.Next(-4096, 4097);
            return true;
        }
    }

    public bool TryReadRssi(out int dbm)
    {
        lock (_gate)
        {
            dbm = -60 + _random.Next(-5, 6);
            return true;
        }
    }
}
