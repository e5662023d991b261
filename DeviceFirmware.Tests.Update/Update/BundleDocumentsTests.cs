using nanoFramework.TestFramework;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class BundleDocumentsTests
    {
        // A document loop counting the wrong way must fail at once, not read the delegation forever.
        [TestMethod]
        [DataRow(-1)]
        [DataRow(3)]
        public void FileName_NoSuchDocument_ThrowsNamingIt(int index)
        {
            Assert.AreEqual("index", ThrownArgument.Name(() => BundleDocuments.FileName(index)));
        }
    }
}
