namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Supply current from a TI INA219 current and power monitor (docs/telemetry.md). The device is read at its power-on
    /// configuration (32 V bus range, PGA /8 = ±320 mV shunt range, 12-bit, continuous), so nothing is written to it and no
    /// calibration register is needed: the current is the shunt voltage (register 1, two's complement, 10 µV per count)
    /// divided by the shunt resistance, and µV / mΩ is mA. The bus voltage register (2) is read for its math-overflow bit.
    /// Readings the chip cannot produce (beyond ±32,000 counts), an overflow, or a current below -<see cref="NoiseMilliamps"/>
    /// (a shunt wired backwards) are invalid: false.
    /// </summary>
    public sealed class Ina219
    {
        /// <summary>Shunt voltage register.</summary>
        public const int ShuntVoltageRegister = 1;

        /// <summary>Bus voltage register (bits 15..3 voltage at 4 mV, bit 1 conversion ready, bit 0 math overflow).</summary>
        public const int BusVoltageRegister = 2;

        /// <summary>Largest shunt reading at PGA /8 (320 mV), counts.</summary>
        public const int FullScaleCounts = 32000;

        /// <summary>Small negative currents within this many mA are read as 0 (offset noise at no load).</summary>
        public const int NoiseMilliamps = 5;

        private readonly IRegisterReader _registers;
        private readonly int _shuntMilliohms;

        /// <summary>Reads an INA219 through <paramref name="registers"/> with a shunt of <paramref name="shuntMilliohms"/> mΩ (100 on the common breakout boards).</summary>
        public Ina219(IRegisterReader registers, int shuntMilliohms)
        {
            if (registers == null)
            {
                throw new System.ArgumentNullException("registers");
            }

            if (shuntMilliohms < 1)
            {
                throw new System.ArgumentOutOfRangeException("shuntMilliohms");
            }

            _registers = registers;
            _shuntMilliohms = shuntMilliohms;
        }

        /// <summary>Reads the supply current, mA.</summary>
        public bool TryReadMilliamps(out int milliamps)
        {
            int shunt = 0;
            int bus = 0;
            milliamps = 0;
            return _registers.TryRead(ShuntVoltageRegister, out shunt) && _registers.TryRead(BusVoltageRegister, out bus)
                && TryConvert(shunt, bus, _shuntMilliohms, out milliamps);
        }

        /// <summary>The current for raw register values, rounded to the nearest mA.</summary>
        public static bool TryConvert(int shuntRegister, int busRegister, int shuntMilliohms, out int milliamps)
        {
            milliamps = 0;
            if (shuntRegister < 0 || shuntRegister > 0xFFFF || busRegister < 0 || busRegister > 0xFFFF || shuntMilliohms < 1 || (busRegister & 1) != 0)
            {
                return false;
            }

            int counts = shuntRegister >= 0x8000 ? shuntRegister - 0x10000 : shuntRegister;
            if (counts > FullScaleCounts || counts < -FullScaleCounts)
            {
                return false;
            }

            long microvolts = counts * 10L;
            long rounded = microvolts >= 0 ? (microvolts + (shuntMilliohms / 2)) / shuntMilliohms : -((-microvolts + (shuntMilliohms / 2)) / shuntMilliohms);
            if (rounded < -NoiseMilliamps)
            {
                return false;
            }

            milliamps = rounded < 0 ? 0 : (int)rounded;
            return true;
        }
    }
}
