using nanoFramework.TestFramework;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Text
{
    [TestClass]
    public class AsciiTextTests
    {
        [TestMethod]
        public void EqualsIgnoreCase_AsciiOnly_NoCulture()
        {
            Assert.IsTrue(AsciiText.EqualsIgnoreCase("I.pe", "i.pe"));
            Assert.IsFalse(AsciiText.EqualsIgnoreCase("\u0130.pe", "i.pe"));
            Assert.IsFalse(AsciiText.EqualsIgnoreCase("\u0131.pe", "I.pe"));
        }

        [TestMethod]
        public void StartsEndsWith_Ordinal()
        {
            Assert.IsTrue(AsciiText.EndsWith("A.pe", ".pe"));
            Assert.IsFalse(AsciiText.EndsWith("A.PE", ".pe"));
            Assert.IsFalse(AsciiText.StartsWith("d/x", "d/x/"));
        }
    }
}
