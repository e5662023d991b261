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

        // The memory budget counts the four buffers (docs/update-engine.md).
        [TestMethod]
        public void BufferBytes_IsTheFourBuffers()
        {
            int bytes = new BundleDocuments().BufferBytes;
            Assert.AreEqual(SecureDevice.Core.Bundle.ManifestParser.MaxManifestBytes + 64 + SecureDevice.Core.Bundle.DelegationParser.MaxFileBytes + 32, bytes);
        }

        [TestMethod]
        [DataRow(0, (int)SecureDevice.Core.Bundle.BundleStatus.ManifestMalformed)]
        [DataRow(1, (int)SecureDevice.Core.Bundle.BundleStatus.SignatureMalformed)]
        [DataRow(2, (int)SecureDevice.Core.Bundle.BundleStatus.DelegationMalformed)]
        public void MalformedStatus_EachDocument_NamesIt(int index, int expected)
        {
            int status = (int)BundleDocuments.MalformedStatus(index);
            Assert.AreEqual(expected, status);
        }
    }
}
