using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class PayloadCheckTests
    {
        [TestMethod]
        public void Finish_ExactFileInChunks_IsVerified()
        {
            byte[] payload = TestBytes.Pattern(1000);
            PayloadCheck check = new PayloadCheck();
            check.Begin(File(payload));
            for (int at = 0; at < payload.Length; at += 333)
            {
                int count = payload.Length - at < 333 ? payload.Length - at : 333;
                bool appended = check.Append(payload, at, count);
                Assert.IsTrue(appended);
            }

            Assert.AreEqual(1000L, check.Bytes);
            BundleStatus status = check.Finish();
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
        }

        [TestMethod]
        public void Finish_FlippedByteTruncatedOrExtended_IsRejected()
        {
            byte[] payload = TestBytes.Pattern(300);
            PayloadCheck check = new PayloadCheck();
            BundleFile file = File(payload);

            payload[150] ^= 1;
            check.Begin(file);
            check.Append(payload, 0, payload.Length);
            BundleStatus status = check.Finish();
            Assert.AreEqual((int)BundleStatus.FileHashMismatch, (int)status);
            payload[150] ^= 1;

            check.Begin(file);
            check.Append(payload, 0, payload.Length - 1);
            status = check.Finish();
            Assert.AreEqual((int)BundleStatus.FileSizeMismatch, (int)status);

            check.Begin(file);
            bool appended = check.Append(payload, 0, payload.Length);
            Assert.IsTrue(appended);
            Assert.IsFalse(check.Append(new byte[1], 0, 1), "one byte too many is refused at once");
            status = check.Finish();
            Assert.AreEqual((int)BundleStatus.FileSizeMismatch, (int)status);
        }

        [TestMethod]
        public void Finish_DigestDiffersOnlyInItsLastByte_FileHashMismatch()
        {
            byte[] payload = TestBytes.Pattern(64);
            BundleFile file = File(payload);
            file.Sha256[31] ^= 1;
            PayloadCheck check = new PayloadCheck();
            check.Begin(file);
            check.Append(payload, 0, payload.Length);
            BundleStatus status = check.Finish();
            Assert.AreEqual((int)BundleStatus.FileHashMismatch, (int)status);
        }

        [TestMethod]
        public void Finish_WithoutBegin_Throws()
        {
            System.Action finishWithoutBegin = () => new PayloadCheck().Finish();
            Assert.ThrowsException(typeof(System.InvalidOperationException), finishWithoutBegin);
        }

        private static BundleFile File(byte[] payload)
        {
            byte[] digest = new byte[32];
            new SecureDevice.Core.Crypto.Sha256().Hash(payload, 0, payload.Length, digest, 0);
            return new BundleFile("F.pe", payload.Length, digest);
        }
    }
}
