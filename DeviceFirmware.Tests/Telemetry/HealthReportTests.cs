using nanoFramework.TestFramework;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Text;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Telemetry
{
    [TestClass]
    public class HealthReportTests
    {
        [TestMethod]
        public void EncodeCbor_Minimal_HandChecked()
        {
            HealthSnapshot s = Minimal();
            byte[] buffer = new byte[HealthReport.MaxCborBytes];
            int length = new HealthReport().EncodeCbor(s, buffer, 0, buffer.Length);

            // a a = map(10); keys 0..9; 83/84/86/88/87/84/85 = arrays of 3/4/6/8/7/4/5; f6 = null.
            string expected = "aa" + "0002" + "0100" + "0283000101" + "0384f6f6f6f6" + "0486f6f6f6f6f6f6" + "05880000000000000000"
                + "0687f6000000000000" + "078400000000" + "08850000000000" + "0900";
            string actual = Hex.Encode(buffer, 0, length);
            Assert.AreEqual(expected, actual);
        }

        [TestMethod]
        public void EncodeJson_Minimal_Expected()
        {
            byte[] buffer = new byte[HealthReport.MaxJsonBytes];
            int length = new HealthReport().EncodeJson(Minimal(), buffer, 0, buffer.Length);
            string json = new string(System.Text.Encoding.UTF8.GetChars(buffer, 0, length));
            Assert.AreEqual(
                "{\"v\":2,\"n\":0,\"l\":[0,1,1],\"p\":[null,null,null,null],\"m\":[null,null,null,null,null,null],\"t\":[0,0,0,0,0,0,0,0],"
                + "\"c\":[null,0,0,0,0,0,0],\"x\":[0,0,0,0],\"i\":[0,0,0,0,0],\"f\":0}",
                json);
        }

        [TestMethod]
        public void Encode_Maximum_FitsBudgets()
        {
            HealthSnapshot s = new HealthSnapshot();
            RealisticMaximum.Fill(s);
            HealthReport report = new HealthReport();
            byte[] buffer = new byte[HealthReport.MaxJsonBytes];
            int cbor = report.EncodeCbor(s, buffer, 0, buffer.Length);
            int json = report.EncodeJson(s, buffer, 0, buffer.Length);
            // Budgets (docs/telemetry.md): CBOR 120 bytes, JSON 260. The sizes are pinned so that every change shows.
            Assert.AreEqual(119, cbor);
            Assert.AreEqual(248, json);
        }

        [TestMethod]
        public void Encode_SignedAndAbsent()
        {
            HealthSnapshot s = Minimal();
            s.HasRssi = true;
            s.Rssi = -67;
            s.HasTemperature = true;
            s.TemperatureDeciCelsius = -125;
            s.CertificateDays = -3;
            byte[] buffer = new byte[HealthReport.MaxJsonBytes];
            int length = new HealthReport().EncodeJson(s, buffer, 0, buffer.Length);
            string json = new string(System.Text.Encoding.UTF8.GetChars(buffer, 0, length));
            Assert.Contains("\"p\":[null,-125,", json);
            Assert.Contains("\"c\":[-67,", json);
            Assert.Contains("\"i\":[0,0,0,0,-3]", json);
            length = new HealthReport().EncodeCbor(s, buffer, 0, buffer.Length);
            string cbor = Hex.Encode(buffer, 0, length);
            Assert.Contains("0384f6387c", cbor);
        }

        [TestMethod]
        public void Encode_Overflow_Clamped()
        {
            HealthSnapshot s = Minimal();
            s.MessagesUp = long.MaxValue;
            s.Attempts = -5;
            s.Sequence = 1L << 40;
            byte[] buffer = new byte[HealthReport.MaxJsonBytes];
            int length = new HealthReport().EncodeJson(s, buffer, 0, buffer.Length);
            string json = new string(System.Text.Encoding.UTF8.GetChars(buffer, 0, length));
            Assert.Contains("\"n\":4294967295", json);
            Assert.Contains("\"t\":[4294967295,", json);
            Assert.Contains("\"c\":[null,0,", json);
            length = new HealthReport().EncodeCbor(s, buffer, 0, buffer.Length);
            Assert.IsTrue(length > 0);
        }

        [TestMethod]
        public void Encode_SmallBuffer_MinusOne()
        {
            HealthSnapshot s = new HealthSnapshot();
            RealisticMaximum.Fill(s);
            byte[] buffer = new byte[100];
            int length = new HealthReport().EncodeCbor(s, buffer, 0, buffer.Length);
            Assert.AreEqual(-1, length);
            length = new HealthReport().EncodeJson(s, buffer, 0, buffer.Length);
            Assert.AreEqual(-1, length);
        }

        private static HealthSnapshot Minimal()
        {
            HealthSnapshot s = new HealthSnapshot();
            s.BootCount = 1;
            s.BootReason = (int)BootReason.FirstBoot;
            return s;
        }
    }
}
