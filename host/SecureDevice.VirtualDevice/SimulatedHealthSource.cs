using System;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.VirtualDevice;

/// <summary>
/// Plausible ESP32 readings for a virtual device (3.3 V supply, ~80 mA at idle through an INA219, a few percent compute
/// load, ~290 KiB native heap, ~110 KiB managed, RSSI around -60 dBm), with noise, knobs to misbehave (a hijacked device
/// mining: <see cref="Mine"/> raises compute load, current and upstream traffic; a broken sensor) and absent sensors.
/// The idle probe is simulated from the device's monotonic clock (<see cref="DeviceClock"/>, scaled with the device): it
/// "counts" <see cref="IdleRate"/> iterations per device second times the share of the CPU left idle, so the core's
/// <see cref="ComputeLoad"/> turns it back into the load set here at any time scale.
/// Thread-safe: the device thread reads while the demo turns knobs.
/// </summary>
public sealed class SimulatedHealthSource : IHealthSource
{
    /// <summary>Iterations per second of the simulated idle probe with nothing else running.</summary>
    public const int IdleRate = 200_000;

    /// <summary>Extra supply current per percent of compute load, mA (an ESP32 at 240 MHz draws ~45 mA more flat out).</summary>
    public const double MilliampsPerLoadPercent = 0.45;

    private readonly Random _random;
    private readonly object _gate = new();
    private readonly DeviceClock _clock;
    private readonly long _startMs;
    private long _probeMs;
    private double _probeIterations;

    /// <summary>Readings seeded with <paramref name="seed"/>, the idle probe on a real-time clock.</summary>
    public SimulatedHealthSource(int seed)
        : this(seed, new DeviceClock())
    {
    }

    /// <summary>Readings seeded with <paramref name="seed"/>, the idle probe on <paramref name="clock"/> (the device's).</summary>
    public SimulatedHealthSource(int seed, DeviceClock clock)
    {
        _random = new Random(seed);
        _clock = clock;
        _startMs = clock.NowMs;
    }

    /// <summary>Nominal supply voltage in mV.</summary>
    public int SupplyMillivolts { get; set; } = 3300;

    /// <summary>When set, the supply reading is this raw value whatever it is (a broken ADC returns e.g. 65535).</summary>
    public int? StuckSupplyReading { get; set; }

    /// <summary>Supply current at no compute load, mA.</summary>
    public int IdleMilliamps { get; set; } = 80;

    /// <summary>Whether the board has a current monitor (an INA219 on I2C).</summary>
    public bool HasCurrentSensor { get; set; } = true;

    /// <summary>Compute load the idle probe sees, percent (0..100).</summary>
    public int ComputeLoadPercent { get; set; } = 6;

    /// <summary>
    /// Upstream bytes per minute a compromised application pushes through the device's own MQTT connection (published by
    /// <see cref="VirtualDevice"/> on <c>devices/ID/up/data</c>, past the publish limiter, as a hijacking program would);
    /// 0 = none.
    /// </summary>
    public int BotBytesPerMinute { get; set; }

    /// <summary>Free native memory in bytes.</summary>
    public long NativeFree { get; set; } = 190 * 1024;

    /// <summary>Whether the board has a temperature sensor (the ESP32 family mostly does not).</summary>
    public bool HasTemperature { get; set; }

    /// <summary>The device turns coin miner: compute load near 100 %, the current it costs, a small supply droop and pool traffic.</summary>
    public void Mine()
    {
        lock (_gate)
        {
            ComputeLoadPercent = 96;
            SupplyMillivolts -= 40;
            BotBytesPerMinute = 6000;
        }
    }

    public bool TryReadSupplyMillivolts(out int millivolts)
    {
        lock (_gate)
        {
            millivolts = StuckSupplyReading ?? SupplyMillivolts + _random.Next(-15, 16);
            return true;
        }
    }

    public bool TryReadSupplyMilliamps(out int milliamps)
    {
        lock (_gate)
        {
            milliamps = (int)Math.Round(IdleMilliamps + (ComputeLoadPercent * MilliampsPerLoadPercent)) + _random.Next(-3, 4);
            return HasCurrentSensor;
        }
    }

    public bool TryReadIdleProgress(out int iterations, out int milliseconds)
    {
        lock (_gate)
        {
            // The probe measured all the time since the last reading at the load set now, with a little noise.
            long now = _clock.NowMs - _startMs;
            long elapsed = now - _probeMs;
            double idleShare = Math.Clamp((100 - ComputeLoadPercent + (_random.NextDouble() * 2) - 1) / 100.0, 0, 1);
            _probeIterations += elapsed * (IdleRate / 1000.0) * idleShare;
            _probeMs = now;
            iterations = unchecked((int)(long)_probeIterations);
            milliseconds = unchecked((int)now);
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
