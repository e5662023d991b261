using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class AppVersionTests
    {
        [DataRow("1.10.0", "1.9.9", 1)]
        [DataRow("2.0.0", "1.65535.65535", 1)]
        [DataRow("1.0.10", "1.0.9", 1)]
        [DataRow("0.0.0", "0.0.1", -1)]
        [DataRow("3.2.1", "3.2.1", 0)]
        public void CompareTo_IsNumericPerComponent(string left, string right, int expected)
        {
            AppVersion a;
            AppVersion b;
            bool parsed = AppVersion.TryParse(left, out a);
            Assert.IsTrue(parsed);
            parsed = AppVersion.TryParse(right, out b);
            Assert.IsTrue(parsed);
            Assert.AreEqual(expected, a.CompareTo(b));
            Assert.AreEqual(-expected, b.CompareTo(a));
            Assert.AreEqual(left, a.ToString());
        }

        [DataRow("1.2")]
        [DataRow("1.2.3.4")]
        [DataRow("01.2.3")]
        [DataRow("1.02.3")]
        [DataRow("1.2.-3")]
        [DataRow("+1.2.3")]
        [DataRow("1..3")]
        [DataRow(".1.2")]
        [DataRow("1.2.3.")]
        [DataRow("1.2.65536")]
        [DataRow("1.2.3-beta")]
        [DataRow(" 1.2.3")]
        [DataRow("")]
        public void TryParse_Malformed_IsRejected(string text)
        {
            AppVersion version;
            Assert.IsFalse(AppVersion.TryParse(text, out version), text);
            Assert.IsNull(version);
        }

        [TestMethod]
        public void Constructor_OutOfRange_Throws()
        {
            System.Action majorTooLarge = () => new AppVersion(65536, 0, 0);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), majorTooLarge);
            System.Action minorNegative = () => new AppVersion(0, -1, 0);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), minorNegative);
        }

        [TestMethod]
        [DataRow("65535.65535.65535")]
        [DataRow("0.0.0")]
        [DataRow("10.200.3")]
        public void TryParse_Valid_RoundTripsThroughToString(string text)
        {
            // The longest version (17 characters, every component at its maximum) included.
            AppVersion version;
            bool parsed = AppVersion.TryParse(text, out version);
            Assert.IsTrue(parsed, text);
            Assert.AreEqual(text, version.ToString());
        }

        [TestMethod]
        public void Constructor_EachComponentOutOfRange_ThrowsAndLimitsAreAccepted()
        {
            int[] bad = new int[] { -1, 65536 };
            for (int i = 0; i < bad.Length; i++)
            {
                int value = bad[i];
                System.Action major = () => new AppVersion(value, 0, 0);
                System.Action minor = () => new AppVersion(0, value, 0);
                System.Action patch = () => new AppVersion(0, 0, value);
                Assert.AreEqual("major", ThrownArgument.Name(major));
                Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), minor);
                Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), patch);
            }

            AppVersion max = new AppVersion(65535, 65535, 65535);
            Assert.AreEqual(65535, max.Patch);
        }

        [TestMethod]
        public void TryParse_NullOrLongerThanTheLongestVersion_IsRejected()
        {
            AppVersion version;
            Assert.IsFalse(AppVersion.TryParse(null, out version));
            Assert.IsFalse(AppVersion.TryParse("65535.65535.655350", out version));
            Assert.IsNull(version);
        }
    }
}
