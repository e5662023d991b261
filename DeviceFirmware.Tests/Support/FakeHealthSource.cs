using SecureDevice.Core.Telemetry;

namespace SecureDevice.Tests.Support
{
    /// <summary>An <see cref="IHealthSource"/> whose readings a test sets directly; "Has" false makes a reading absent.</summary>
    public sealed class FakeHealthSource : IHealthSource
    {
        public bool HasSupply = true;
        public int Supply = 3300;
        public bool HasCurrent;
        public int Current = 95;
        public int Iterations;
        public int ProbeMs;
        public bool HasTemperature;
        public int Temperature = 420;
        public bool HasMemory = true;
        public long Total = 290 * 1024;
        public long Free = 180 * 1024;
        public long Largest = 100 * 1024;
        public bool HasManaged = true;
        public long Managed = 110 * 1024;
        public bool HasRssi = true;
        public int Rssi = -61;

        public bool TryReadSupplyMillivolts(out int millivolts)
        {
            millivolts = Supply;
            return HasSupply;
        }

        public bool TryReadSupplyMilliamps(out int milliamps)
        {
            milliamps = Current;
            return HasCurrent;
        }

        public bool TryReadIdleProgress(out int iterations, out int milliseconds)
        {
            iterations = Iterations;
            milliseconds = ProbeMs;
            return ProbeMs > 0;
        }

        public bool TryReadTemperatureDeciCelsius(out int deciCelsius)
        {
            deciCelsius = Temperature;
            return HasTemperature;
        }

        public bool TryReadNativeMemory(out long total, out long free, out long largestBlock)
        {
            total = Total;
            free = Free;
            largestBlock = Largest;
            return HasMemory;
        }

        public bool TryReadManagedFree(out long free)
        {
            free = Managed;
            return HasManaged;
        }

        public bool TryReadRssi(out int dbm)
        {
            dbm = Rssi;
            return HasRssi;
        }
    }
}
