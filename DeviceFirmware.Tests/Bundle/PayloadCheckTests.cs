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

        [TestMethod]
        public void Append_AfterARefusedAppend_StaysRefused()
        {
            // Once the file ran past its manifest size, a later piece that would fit is refused too: the bytes between are lost.
            byte[] payload = TestBytes.Pattern(302);
            PayloadCheck check = new PayloadCheck();
            check.Begin(File(TestBytes.Slice(payload, 0, 300)));
            bool fits = check.Append(payload, 0, 299);
            bool tooLong = check.Append(payload, 299, 2);
            bool wouldFitButAfterARefusal = check.Append(payload, 299, 1);
            Assert.IsTrue(fits);
            Assert.IsFalse(tooLong);
            Assert.IsFalse(wouldFitButAfterARefusal);
            Assert.AreEqual(299L, check.Bytes);
            Assert.AreEqual((int)BundleStatus.FileSizeMismatch, (int)check.Finish());
        }

        [TestMethod]
        public void Begin_AfterAnAbandonedOrRefusedCheck_StartsAfresh()
        {
            byte[] payload = TestBytes.Pattern(200);
            BundleFile file = File(payload);
            PayloadCheck check = new PayloadCheck();
            check.Begin(file);
            check.Append(payload, 0, 100);
            check.Begin(file);
            Assert.AreEqual(0L, check.Bytes);
            check.Append(payload, 0, payload.Length);
            Assert.AreEqual((int)BundleStatus.Verified, (int)check.Finish());

            check.Begin(file);
            check.Append(payload, 0, payload.Length);
            check.Append(payload, 0, 1);
            check.Begin(file);
            bool appended = check.Append(payload, 0, payload.Length);
            Assert.IsTrue(appended);
            Assert.AreEqual((int)BundleStatus.Verified, (int)check.Finish());
        }

        [TestMethod]
        public void Append_WithoutBeginOrAfterFinish_Throws()
        {
            byte[] payload = TestBytes.Pattern(10);
            PayloadCheck check = new PayloadCheck();
            System.Action append = () => check.Append(payload, 0, 1);
            Assert.ThrowsException(typeof(System.InvalidOperationException), append);
            check.Begin(File(payload));
            check.Append(payload, 0, payload.Length);
            check.Finish();
            Assert.ThrowsException(typeof(System.InvalidOperationException), append);
        }

        [TestMethod]
        public void Begin_NullFile_ThrowsNamingIt()
        {
            System.Action begin = () => new PayloadCheck().Begin(null);
            Assert.AreEqual("file", ThrownArgument.Name(begin));
        }

        private static BundleFile File(byte[] payload)
        {
            byte[] digest = new byte[32];
            new SecureDevice.Core.Crypto.Sha256().Hash(payload, 0, payload.Length, digest, 0);
            return new BundleFile("F.pe", payload.Length, digest);
        }

        [TestMethod]
        public void Append_RangeOutsideTheBufferAndPastTheSize_ThrowsNotRefused()
        {
            // A range outside its buffer is a caller bug: an exception, not a "too long" file.
            BundleFile file = File(TestBytes.Pattern(4));
            PayloadCheck check = new PayloadCheck();
            check.Begin(file);
            Assert.AreSame(file, check.File);
            Assert.AreEqual("offset", ThrownArgument.Name(() => check.Append(new byte[2], 0, 10)));
            Assert.AreEqual((int)BundleStatus.FileSizeMismatch, (int)check.Finish());
        }
    }
}
