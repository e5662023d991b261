using nanoFramework.TestFramework;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Tests.Telemetry
{
    [TestClass]
    public class Ina219Tests
    {
        // Register formats from the INA219 datasheet (SBOS448): shunt 10 µV per count, two's complement, ±32000 at PGA /8;
        // bus bits 15..3 at 4 mV, bit 1 conversion ready, bit 0 math overflow. 0x19CA is 3.300 V, ready.
        [TestMethod]
        [DataRow(0x0FA0, 0x19CA, 100, 400)]
        [DataRow(0x7D00, 0x19CA, 100, 3200)]
        [DataRow(0x0385, 0x19CA, 100, 90)]
        [DataRow(0x0385, 0x19CA, 50, 180)]
        [DataRow(0x0004, 0x19CA, 100, 0)]
        [DataRow(0xFFFE, 0x19CA, 100, 0)]
        public void TryConvert_Datasheet_Milliamps(int shunt, int bus, int milliohms, int expected)
        {
            int milliamps;
            bool valid = Ina219.TryConvert(shunt, bus, milliohms, out milliamps);
            Assert.IsTrue(valid);
            Assert.AreEqual(expected, milliamps);
        }

        [TestMethod]
        [DataRow(0x0FA0, 0x19CB)]
        [DataRow(0x7D01, 0x19CA)]
        [DataRow(0xF060, 0x19CA)]
        [DataRow(0x10000, 0x19CA)]
        public void TryConvert_Bad_IsInvalid(int shunt, int bus)
        {
            int milliamps;
            bool valid = Ina219.TryConvert(shunt, bus, 100, out milliamps);
            Assert.IsFalse(valid);
        }

        [TestMethod]
        public void TryRead_BusFails_False()
        {
            Registers registers = new Registers();
            Ina219 sensor = new Ina219(registers, 100);
            int milliamps;
            bool valid = sensor.TryReadMilliamps(out milliamps);
            Assert.IsTrue(valid);
            Assert.AreEqual(400, milliamps);
            registers.Fail = true;
            valid = sensor.TryReadMilliamps(out milliamps);
            Assert.IsFalse(valid);
        }

        private sealed class Registers : IRegisterReader
        {
            public bool Fail;

            public bool TryRead(int register, out int value)
            {
                value = register == Ina219.ShuntVoltageRegister ? 0x0FA0 : 0x19CA;
                return !Fail;
            }
        }
    }
}
