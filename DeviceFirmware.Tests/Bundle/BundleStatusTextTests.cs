using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class BundleStatusTextTests
    {
        [TestMethod]
        public void Name_EveryStatus_IsItsStableName()
        {
            // The names are a contract (tool output, update events, reports): pinned by value, in enum order from 0.
            string[] names =
            {
                "unverified", "verified", "delegation-malformed", "unknown-root", "bad-delegation-signature",
                "delegation-not-yet-valid", "expired-delegation", "revoked-key", "malformed-manifest", "bad-signature",
                "signer-mismatch", "product-not-delegated", "security-version-not-delegated", "time-unknown", "wrong-product",
                "wrong-hardware", "loader-too-old", "expired-manifest", "rollback", "downgrade", "already-installed",
                "file-missing", "size-mismatch", "hash-mismatch", "malformed-signature", "slot-mismatch", "too-large", "unverified",
            };
            for (int i = 0; i < names.Length; i++)
            {
                Assert.AreEqual(names[i], BundleStatusText.Name((BundleStatus)i), "status " + i);
            }
        }
    }
}
