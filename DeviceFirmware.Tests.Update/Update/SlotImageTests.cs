using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    /// <summary><see cref="SlotImage"/> over a 10-byte payload file in slot B.</summary>
    [TestClass]
    public class SlotImageTests
    {
        private static FaultyFileStore Store()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("app/b/A.pe", new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 });
            return new FaultyFileStore(flash);
        }

        private static BundleStatus Load(FaultyFileStore store, long size, out byte[] bytes)
        {
            byte[] sha = new byte[32];
            new Sha256().Hash(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, 0, 10, sha, 0);
            return SlotImage.TryLoad(store, SlotLayout.SlotB, new BundleFile("A.pe", size, sha), new PayloadCheck(), out bytes);
        }

        // A file system that reads in pieces: each read asks only for what is left of the file.
        [TestMethod]
        public void TryLoad_ReadInPieces_VerifiedWithTheBytes()
        {
            FaultyFileStore store = Store();
            store.MaxRead = 4;
            byte[] bytes;
            BundleStatus status = Load(store, 10, out bytes);
            Assert.AreEqual((int)BundleStatus.Verified, (int)status);
            int last = bytes[9];
            Assert.AreEqual(10, last);
        }

        [TestMethod]
        public void TryLoad_HashMismatch_NoBytes()
        {
            FaultyFileStore store = Store();
            store.FlipReadsPrefix = "app/";
            byte[] bytes;
            BundleStatus status = Load(store, 10, out bytes);
            Assert.AreEqual((int)BundleStatus.FileHashMismatch, (int)status);
            Assert.IsNull(bytes);
        }

        [TestMethod]
        public void TryLoad_Absent_FileMissing()
        {
            FaultyFileStore store = Store();
            store.FailLengthsPrefix = "app/";
            byte[] bytes;
            BundleStatus status = Load(store, 10, out bytes);
            Assert.AreEqual((int)BundleStatus.FileMissing, (int)status);
        }

        // A size that disagrees with the manifest is refused before a byte is read (reads here would fail).
        [TestMethod]
        public void TryLoad_SizeDiffers_SizeMismatchWithoutReading()
        {
            FaultyFileStore store = Store();
            store.FailReadsPrefix = "app/";
            byte[] bytes;
            BundleStatus status = Load(store, 11, out bytes);
            Assert.AreEqual((int)BundleStatus.FileSizeMismatch, (int)status);
        }

        // 0 an error, 1 an error reported after the bytes were transferred (ECC), 2 Ok with no bytes (the file shorter than
        // its length said). Each fails closed at once: the flash reads well after three failures, so a retry would verify.
        [TestMethod]
        [DataRow(0)]
        [DataRow(1)]
        [DataRow(2)]
        public void TryLoad_ReadFails_FileMissing(int mode)
        {
            FaultyFileStore store = Store();
            store.FailReadsPrefix = "app/";
            store.FailReadsCount = 3;
            store.FailedReadsFill = mode == 1;
            store.FailWith = mode == 2 ? StorageStatus.Ok : StorageStatus.IoError;
            byte[] bytes;
            BundleStatus status = Load(store, 10, out bytes);
            Assert.AreEqual((int)BundleStatus.FileMissing, (int)status);
        }
    }
}
