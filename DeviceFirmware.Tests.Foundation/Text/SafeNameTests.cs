using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Text
{
    [TestClass]
    public class SafeNameTests
    {
        [DataRow("sensor")]
        [DataRow("esp32-devkitc")]
        [DataRow("release_2026.1")]
        [DataRow("A")]
        public void IsIdentifier_SafeNames_Pass(string text)
        {
            Assert.IsTrue(SafeName.IsIdentifier(text, 48), text);
        }

        [DataRow("")]
        [DataRow("../etc")]
        [DataRow("a/b")]
        [DataRow("a\\b")]
        [DataRow(".hidden")]
        [DataRow("-option")]
        [DataRow("a..b")]
        [DataRow("a b")]
        [DataRow("a+b")]
        [DataRow("a#b")]
        [DataRow("I:")]
        [DataRow("caf\u00e9")]
        public void IsIdentifier_UnsafeNames_Fail(string text)
        {
            Assert.IsFalse(SafeName.IsIdentifier(text, 48), text);
        }

        [TestMethod]
        public void IsIdentifier_RespectsMaxLength()
        {
            bool accepted = SafeName.IsIdentifier("abcd", 4);
            Assert.IsTrue(accepted);
            accepted = SafeName.IsIdentifier("abcde", 4);
            Assert.IsFalse(accepted);
        }

        [TestMethod]
        public void IsAssemblyFileName_NeedsPeSuffix()
        {
            bool accepted = SafeName.IsAssemblyFileName("Sensor.App.pe", 48);
            Assert.IsTrue(accepted);
            accepted = SafeName.IsAssemblyFileName(".pe", 48);
            Assert.IsFalse(accepted);
            accepted = SafeName.IsAssemblyFileName("Sensor.App.dll", 48);
            Assert.IsFalse(accepted);
            accepted = SafeName.IsAssemblyFileName("../Sensor.pe", 48);
            Assert.IsFalse(accepted);
        }

        [DataRow("Sensor.App.Application", true)]
        [DataRow("_Start", true)]
        [DataRow("A1.B2", true)]
        [DataRow("1A", false)]
        [DataRow("A..B", false)]
        [DataRow("A.", false)]
        [DataRow(".A", false)]
        [DataRow("A-B", false)]
        [DataRow("A B", false)]
        public void IsDottedName_FollowsClrIdentifierRules(string text, bool expected)
        {
            Assert.AreEqual(expected, SafeName.IsDottedName(text, 128), text);
        }

        [DataRow("device-01", true)]
        [DataRow("Dev_7", true)]
        [DataRow("dev/1", false)]
        [DataRow("dev+", false)]
        [DataRow("dev#", false)]
        [DataRow("dev.1", false)]
        [DataRow("", false)]
        public void IsDeviceId_IsOneTopicLevel(string text, bool expected)
        {
            Assert.AreEqual(expected, SafeName.IsDeviceId(text), text);
        }

        [TestMethod]
        public void IsDeviceId_LimitIs64Characters()
        {
            bool accepted = SafeName.IsDeviceId(new string('a', 64));
            Assert.IsTrue(accepted);
            accepted = SafeName.IsDeviceId(new string('a', 65));
            Assert.IsFalse(accepted);
        }
    }
}
