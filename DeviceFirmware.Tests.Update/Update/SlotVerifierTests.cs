using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class SlotVerifierTests
    {
        // How a read of the flash goes wrong: 0 an error, 1 an error reported after the bytes were transferred (ECC),
        // 2 a read that answers Ok with no bytes (the file shorter than its length said). Every one must fail closed at
        // once: the flash reads well again after three failures, so a reader that retries (or loops) would verify.
        private static PhaseFixture Faulty(uint seed, string path, int mode, int after)
        {
            PhaseFixture f = new PhaseFixture(seed);
            UpdateRig.Install(f.Flash, SlotLayout.SlotB, f.Release);
            f.Store.FailReadsPrefix = path;
            f.Store.FailReadsAfter = after;
            f.Store.FailedReadsFill = mode == 1;
            f.Store.FailReadsCount = 3;
            if (mode == 2)
            {
                f.Store.FailWith = StorageStatus.Ok;
            }

            return f;
        }

        private static BundleStatus Chain(PhaseFixture f)
        {
            return f.Slots.VerifyChain(SlotLayout.SlotB, f.Digest, 2);
        }

        [TestMethod]
        public void Constructor_NullPartOrChunkOutOfRange_ThrowsNamingIt()
        {
            PhaseFixture f = new PhaseFixture(201);
            BundleVerifier v = f.Slots.Verifier;
            BundleDocuments d = new BundleDocuments();
            Assert.AreEqual("store", ThrownArgument.Name(() => new SlotVerifier(null, v, d, new byte[64])));
            Assert.AreEqual("verifier", ThrownArgument.Name(() => new SlotVerifier(f.Store, null, d, new byte[64])));
            Assert.AreEqual("documents", ThrownArgument.Name(() => new SlotVerifier(f.Store, v, null, new byte[64])));
            Assert.AreEqual("chunk", ThrownArgument.Name(() => new SlotVerifier(f.Store, v, d, null)));
            Assert.AreEqual("chunk", ThrownArgument.Name(() => new SlotVerifier(f.Store, v, d, new byte[63])));
            Assert.AreEqual("chunk", ThrownArgument.Name(() => new SlotVerifier(f.Store, v, d, new byte[4097])));
            Assert.AreEqual("(none)", ThrownArgument.Name(() => new SlotVerifier(f.Store, v, d, new byte[64])));
            Assert.AreEqual("(none)", ThrownArgument.Name(() => new SlotVerifier(f.Store, v, d, new byte[4096])));
        }

        [TestMethod]
        [DataRow(0)]
        [DataRow(1)]
        [DataRow(2)]
        public void VerifyChain_DocumentMissing_FileMissing(int document)
        {
            PhaseFixture f = Faulty(202, null, 0, 0);
            f.Flash.Delete(SlotLayout.Path(SlotLayout.SlotB, BundleDocuments.FileName(document)));
            Assert.AreEqual((int)BundleStatus.FileMissing, (int)Chain(f));
        }

        // Slot A holds the same bundle and was verified first: nothing of its documents may stand in for B's unread one.
        [TestMethod]
        [DataRow(0, 0)]
        [DataRow(1, 0)]
        [DataRow(2, 0)]
        [DataRow(1, 1)]
        [DataRow(1, 2)]
        public void VerifyChain_DocumentReadFails_FailsClosed(int document, int mode)
        {
            PhaseFixture f = Faulty(203, SlotLayout.Path(SlotLayout.SlotB, BundleDocuments.FileName(document)), mode, 0);
            f.Store.MaxRead = 16;
            UpdateRig.Install(f.Flash, SlotLayout.SlotA, f.Release);
            Assert.AreEqual((int)BundleStatus.Verified, (int)f.Slots.VerifyChain(SlotLayout.SlotA, f.Digest, 2));
            Assert.AreEqual((int)BundleStatus.FileMissing, (int)Chain(f));
            Assert.IsNull(f.Slots.Manifest);
        }

        // A file system may return fewer bytes than asked; each next read continues where the last one ended.
        [TestMethod]
        public void Verify_ShortReads_Verified()
        {
            PhaseFixture f = Faulty(204, null, 0, 0);
            f.Store.MaxRead = 16;
            Assert.AreEqual((int)BundleStatus.Verified, (int)Chain(f));
            Assert.AreEqual((int)BundleStatus.Verified, (int)f.Slots.VerifyPayload(SlotLayout.SlotB, f.Slots.Manifest));
        }

        [TestMethod]
        [DataRow(0)]
        [DataRow(1)]
        [DataRow(2)]
        public void VerifyChain_DocumentLargerThanItsBuffer_Malformed(int document)
        {
            PhaseFixture f = Faulty(205, null, 0, 0);
            byte[] big = new byte[f.Slots.Documents.Buffer(document).Length + 1];
            f.Flash.Put(SlotLayout.Path(SlotLayout.SlotB, BundleDocuments.FileName(document)), big);
            Assert.AreEqual((int)BundleDocuments.MalformedStatus(document), (int)Chain(f));
        }

        // The second of three chunks of the 560-byte file fails: the boot check must not pass.
        [TestMethod]
        [DataRow(0)]
        [DataRow(1)]
        [DataRow(2)]
        public void VerifyPayload_ReadFails_FileMissing(int mode)
        {
            PhaseFixture f = Faulty(206, null, mode, 1);
            f.Store.FailReadsPrefix = SlotLayout.Path(SlotLayout.SlotB, f.Release.PayloadNames[0]);
            Assert.AreEqual((int)BundleStatus.Verified, (int)Chain(f));
            Assert.AreEqual((int)BundleStatus.FileMissing, (int)f.Slots.VerifyPayload(SlotLayout.SlotB, f.Slots.Manifest));
        }

        [TestMethod]
        public void HashPrefix_LengthUnreadable_FileMissing()
        {
            PhaseFixture f = Faulty(207, null, 0, 0);
            Chain(f);
            f.Store.FailLengthsPrefix = SlotLayout.Path(SlotLayout.SlotB, f.Release.PayloadNames[1]);
            long length;
            Assert.AreEqual((int)BundleStatus.FileMissing, (int)f.Slots.HashPrefix(SlotLayout.SlotB, f.Slots.Manifest.Files[1], out length));
            Assert.AreEqual(0L, length);
        }

        [TestMethod]
        public void HashPrefix_FlashHoldsMoreThanTheFile_SizeMismatch()
        {
            PhaseFixture f = Faulty(208, null, 0, 0);
            Chain(f);
            f.Flash.Put(SlotLayout.Path(SlotLayout.SlotB, f.Release.PayloadNames[2]), new byte[21]);
            long length;
            Assert.AreEqual((int)BundleStatus.FileSizeMismatch, (int)f.Slots.HashPrefix(SlotLayout.SlotB, f.Slots.Manifest.Files[2], out length));
        }
    }
}
