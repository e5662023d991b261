using nanoFramework.TestFramework;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Text
{
    [TestClass]
    public class CborWriterTests
    {
        // RFC 8949 Appendix A examples.
        [DataRow(0L, "00")]
        [DataRow(1L, "01")]
        [DataRow(10L, "0a")]
        [DataRow(23L, "17")]
        [DataRow(24L, "1818")]
        [DataRow(25L, "1819")]
        [DataRow(100L, "1864")]
        [DataRow(1000L, "1903e8")]
        [DataRow(1000000L, "1a000f4240")]
        [DataRow(1000000000000L, "1b000000e8d4a51000")]
        [DataRow(-1L, "20")]
        [DataRow(-10L, "29")]
        [DataRow(-100L, "3863")]
        [DataRow(-1000L, "3903e7")]
        public void WriteInteger_MatchesRfc8949(long value, string expectedHex)
        {
            byte[] buffer = new byte[16];
            CborWriter writer = new CborWriter();
            writer.Reset(buffer, 0, buffer.Length);
            writer.WriteInteger(value);
            string actual = SecureDevice.Core.Text.Hex.Encode(buffer, 0, writer.Length);
            Assert.AreEqual(expectedHex, actual);
        }

        [TestMethod]
        public void Headers_MatchRfc8949()
        {
            byte[] buffer = new byte[16];
            CborWriter writer = new CborWriter();
            writer.Reset(buffer, 0, buffer.Length);
            writer.WriteBoolean(false);
            writer.WriteBoolean(true);
            writer.WriteNull();
            writer.WriteArrayHeader(0);
            writer.WriteArrayHeader(3);
            writer.WriteInteger(1);
            writer.WriteInteger(2);
            writer.WriteInteger(3);
            writer.WriteMapHeader(0);
            writer.WriteArrayHeader(25);
            string actual = SecureDevice.Core.Text.Hex.Encode(buffer, 0, writer.Length);
            Assert.AreEqual("f4f5f68083010203a09819", actual);
        }

        [TestMethod]
        public void ShortContainers_CountsFilledInWhenTheyEnd()
        {
            byte[] buffer = new byte[8];
            CborWriter writer = new CborWriter();
            writer.Reset(buffer, 2, 6);
            int map = writer.BeginShortMap();
            writer.WriteInteger(1);
            int array = writer.BeginShortArray();
            writer.WriteInteger(2);
            writer.WriteNull();
            writer.EndShortArray(array, 2);
            writer.EndShortMap(map, 1);
            Assert.AreEqual("0000a10182" + "02f6" + "00", Hex.Encode(buffer, 0, 8));
        }

        [TestMethod]
        public void ShortContainers_OverflowedOrTooMany_NothingOutsideTheRange()
        {
            byte[] buffer = new byte[2];
            CborWriter writer = new CborWriter();
            writer.Reset(buffer, 1, 0);
            int array = writer.BeginShortArray();
            writer.EndShortArray(array, 3);
            Assert.IsTrue(writer.Overflowed);
            Assert.AreEqual("0000", Hex.Encode(buffer, 0, 2));
            writer.Reset(buffer, 0, 2);
            int full = writer.BeginShortArray();
            System.Action tooMany = () => writer.EndShortArray(full, CborWriter.MaxShortCount + 1);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), tooMany);
        }

        [TestMethod]
        public void Overflow_IsAStatus()
        {
            byte[] buffer = new byte[6];
            CborWriter writer = new CborWriter();
            writer.Reset(buffer, 1, 4);
            writer.WriteInteger(1000000);
            Assert.IsTrue(writer.Overflowed);
            Assert.AreEqual((byte)0, buffer[5]);
            Assert.AreEqual((byte)0, buffer[0]);
        }
    }
}
