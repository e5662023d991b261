using System;

namespace SecureDevice.Adapters.Telemetry
{
    /// <summary>
    /// The board's wiring for <see cref="Esp32HealthSource"/>, named rather than positional. The defaults describe a board
    /// without supply sense: set <see cref="SupplyChannel"/> to the ADC1 channel of the divider where there is one.
    /// </summary>
    public sealed class Esp32HealthSourceOptions
    {
        /// <summary>The defaults: no supply channel, 3,300 mV full scale, a 2:1 divider, RSSI up to 2 minutes old.</summary>
        public Esp32HealthSourceOptions()
        {
            SupplyChannel = -1;
            FullScaleMillivolts = 3300;
            DividerNumerator = 2;
            DividerDenominator = 1;
            RssiMaximumAgeMilliseconds = 120000;
        }

        /// <summary>
        /// ADC1 channel (0 .. 7; ADC2 is unusable while Wi-Fi runs) wired to the divider's midpoint, or -1 when the board
        /// has no supply sense (the supply then reads absent).
        /// </summary>
        public int SupplyChannel { get; set; }

        /// <summary>
        /// Pin voltage, mV (1 .. 5,000), at the ADC's maximum count: nanoFramework configures 12 dB attenuation, about
        /// 3,100 to 3,300 mV uncalibrated; keep the pin below about 2,450 mV, where the ADC is linear.
        /// </summary>
        public int FullScaleMillivolts { get; set; }

        /// <summary>Divider ratio numerator (1 .. 100): supply = pin × numerator / denominator, e.g. 2 for two equal resistors.</summary>
        public int DividerNumerator { get; set; }

        /// <summary>Divider ratio denominator (1 .. 100), e.g. 1.</summary>
        public int DividerDenominator { get; set; }

        /// <summary>Oldest Wi-Fi scan whose RSSI is still reported, ms (1 .. 172,800,000: two of the longest report interval), e.g. two report intervals.</summary>
        public long RssiMaximumAgeMilliseconds { get; set; }

        /// <summary>Throws when a value is out of its range (a wiring bug).</summary>
        public void Validate()
        {
            if (SupplyChannel < -1 || SupplyChannel > 7 || FullScaleMillivolts < 1 || FullScaleMillivolts > 5000
                || DividerNumerator < 1 || DividerNumerator > 100 || DividerDenominator < 1 || DividerDenominator > 100
                || RssiMaximumAgeMilliseconds < 1 || RssiMaximumAgeMilliseconds > 172800000)
            {
                throw new ArgumentOutOfRangeException("options");
            }
        }
    }
}
