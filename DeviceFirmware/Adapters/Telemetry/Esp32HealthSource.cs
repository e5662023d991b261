using System;
using System.Device.Adc;
using nanoFramework.Hardware.Esp32;
using SecureDevice.Adapters.Network;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Adapters.Telemetry
{
    /// <summary>
    /// <see cref="IHealthSource"/> on an ESP32 (docs/telemetry.md): supply voltage from an ADC1 channel behind a resistor
    /// divider, supply current from an INA219 where the board has one (through an <see cref="IRegisterReader"/> on I2C:
    /// none yet, because System.Device.I2c is not among the packages this firmware builds against, so the current reads
    /// absent), compute load from the <see cref="IdleProbe"/>, native heap from ESP-IDF, managed heap from the
    /// nanoFramework garbage collector, Wi-Fi RSSI from the latest scan seen by <see cref="WifiLink"/>. There is no
    /// temperature reading. Every reading fails soft: an absent or failing sensor returns false, never throws. Called from
    /// one thread (the health sampler).
    /// </summary>
    public sealed class Esp32HealthSource : IHealthSource
    {
        // The ESP32 ADC is noisy by several counts; an average of a few samples steadies the reported voltage.
        private const int SupplySamples = 8;

        private readonly int _supplyChannel;
        private readonly int _fullScaleMillivolts;
        private readonly int _dividerNumerator;
        private readonly int _dividerDenominator;
        private readonly WifiLink _wifi;
        private readonly long _rssiMaximumAgeMilliseconds;
        private readonly IdleProbe _probe;
        private readonly Ina219 _current;
        private AdcController _adc;
        private AdcChannel _channel;

        /// <summary>Creates the source; the ADC channel is opened on the first supply reading.</summary>
        /// <param name="board">The board's wiring (supply channel, ADC scale, divider, RSSI age), validated and copied.</param>
        /// <param name="wifi">The Wi-Fi link whose scans give the RSSI, or null (RSSI then reads absent).</param>
        /// <param name="probe">The started idle probe, or null (compute load then reads absent).</param>
        /// <param name="current">The board's INA219, or null when it has none (supply current then reads absent).</param>
        public Esp32HealthSource(Esp32HealthSourceOptions board, WifiLink wifi, IdleProbe probe, Ina219 current)
        {
            if (board == null)
            {
                throw new ArgumentNullException("board");
            }

            board.Validate();
            _supplyChannel = board.SupplyChannel;
            _fullScaleMillivolts = board.FullScaleMillivolts;
            _dividerNumerator = board.DividerNumerator;
            _dividerDenominator = board.DividerDenominator;
            _wifi = wifi;
            _rssiMaximumAgeMilliseconds = board.RssiMaximumAgeMilliseconds;
            _probe = probe;
            _current = current;
        }

        /// <inheritdoc />
        public bool TryReadSupplyMilliamps(out int milliamps)
        {
            milliamps = 0;
            if (_current == null)
            {
                return false;
            }

            try
            {
                return _current.TryReadMilliamps(out milliamps);
            }
            catch (Exception)
            {
                milliamps = 0;
                return false;
            }
        }

        /// <inheritdoc />
        public bool TryReadIdleProgress(out int iterations, out int milliseconds)
        {
            iterations = 0;
            milliseconds = 0;
            return _probe != null && _probe.TryRead(out iterations, out milliseconds);
        }

        /// <inheritdoc />
        public bool TryReadSupplyMillivolts(out int millivolts)
        {
            millivolts = 0;
            if (_supplyChannel < 0)
            {
                return false;
            }

            try
            {
                if (_channel == null)
                {
                    _adc = new AdcController();
                    _channel = _adc.OpenChannel(_supplyChannel);
                }

                int maximum = _adc.MaxValue;
                if (maximum <= 0)
                {
                    return false;
                }

                long sum = 0;
                for (int i = 0; i < SupplySamples; i++)
                {
                    sum += _channel.ReadValue();
                }

                // Raw counts to pin millivolts, then through the divider; long arithmetic cannot overflow here.
                long pin = sum * _fullScaleMillivolts / ((long)maximum * SupplySamples);
                millivolts = (int)(pin * _dividerNumerator / _dividerDenominator);
                return true;
            }
            catch (Exception)
            {
                // Reopen on the next reading.
                Release();
                millivolts = 0;
                return false;
            }
        }

        /// <summary>
        /// Always false: nanoFramework offers no calibrated die-temperature API on the ESP32 (ADC1 channel 8 on the
        /// original ESP32 reads an undocumented, uncalibrated legacy sensor that later chips and ESP-IDF dropped).
        /// </summary>
        public bool TryReadTemperatureDeciCelsius(out int deciCelsius)
        {
            deciCelsius = 0;
            return false;
        }

        /// <inheritdoc />
        public bool TryReadNativeMemory(out long total, out long free, out long largestBlock)
        {
            total = 0;
            free = 0;
            largestBlock = 0;
            try
            {
                // Internal RAM only: the heap the firmware's sockets, TLS and Wi-Fi buffers come from (SPI RAM, when
                // present, would hide an internal shortage).
                uint totalBytes;
                uint freeBytes;
                uint largestBytes;
                NativeMemory.GetMemoryInfo(NativeMemory.MemoryType.Internal, out totalBytes, out freeBytes, out largestBytes);
                total = totalBytes;
                free = freeBytes;
                largestBlock = largestBytes;
                return true;
            }
            catch (Exception)
            {
                total = 0;
                free = 0;
                largestBlock = 0;
                return false;
            }
        }

        /// <inheritdoc />
        public bool TryReadManagedFree(out long free)
        {
            try
            {
                // A collection without compaction: the free figure is exact after it, and compaction would only add
                // a longer pause. Fully qualified: System.GC has the same short name.
                free = nanoFramework.Runtime.Native.GC.Run(false);
                return true;
            }
            catch (Exception)
            {
                free = 0;
                return false;
            }
        }

        /// <summary>
        /// The RSSI of the joined network from the latest Wi-Fi scan no older than the configured age, then starts the next
        /// scan (rate-limited by <see cref="WifiLink"/>) so the following report has a fresh value. The first report after
        /// boot therefore has none.
        /// </summary>
        public bool TryReadRssi(out int dbm)
        {
            dbm = 0;
            if (_wifi == null)
            {
                return false;
            }

            try
            {
                bool known = _wifi.TryGetSignal(_rssiMaximumAgeMilliseconds, out dbm);
                _wifi.RequestSignalScan();
                return known;
            }
            catch (Exception)
            {
                dbm = 0;
                return false;
            }
        }

        private void Release()
        {
            AdcChannel channel = _channel;
            _channel = null;
            _adc = null;
            if (channel != null)
            {
                try
                {
                    channel.Dispose();
                }
                catch (Exception)
                {
                    // Nothing left to release.
                }
            }
        }
    }
}
