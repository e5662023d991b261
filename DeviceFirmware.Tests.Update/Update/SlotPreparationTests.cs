using System.Collections;
using nanoFramework.TestFramework;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class SlotPreparationTests
    {
        [TestMethod]
        public void Prepare_SlotWithAnOldBundle_HoldsExactlyTheThreeDocuments()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("app/b/Old.App.pe", TestBytes.Pattern(40));
            flash.Put("app/b/manifest.json", TestBytes.Utf8("{\"old\":1}"));
            SlotPreparation preparation = new SlotPreparation(flash);
            StorageStatus status = preparation.Prepare(SlotLayout.SlotB, Documents());
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            ArrayList names = new ArrayList();
            flash.ListFiles("app/b", names);
            Assert.AreEqual(3, names.Count);
            string manifest = Text(flash, "app/b/manifest.json");
            Assert.AreEqual("{\"v\":2}", manifest);
            string signature = Text(flash, "app/b/manifest.sig");
            Assert.AreEqual("sig", signature);
            string delegation = Text(flash, "app/b/signer.delegation");
            Assert.AreEqual("deleg", delegation);
        }

        [TestMethod]
        public void Prepare_ActiveSlotHasFiles_LeavesThemAlone()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("app/a/manifest.json", TestBytes.Utf8("active"));
            flash.Put("app/a/Sensor.App.pe", TestBytes.Pattern(16));
            StorageStatus status = new SlotPreparation(flash).Prepare(SlotLayout.SlotB, Documents());
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            string active = Text(flash, "app/a/manifest.json");
            Assert.AreEqual("active", active);
            bool payload = flash.Exists("app/a/Sensor.App.pe");
            Assert.IsTrue(payload);
        }

        [TestMethod]
        public void Prepare_SlotCannotBeListed_ReturnsItsStatusAndNamesTheListing()
        {
            FaultyFileStore store = new FaultyFileStore(new MemoryFileStore());
            store.FailListing = true;
            SlotPreparation preparation = new SlotPreparation(store);
            StorageStatus status = preparation.Prepare(SlotLayout.SlotB, Documents());
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.AreEqual("listing app/b", preparation.Detail);
        }

        [TestMethod]
        public void Prepare_DeleteFails_ReturnsItsStatusAndNamesTheClearing()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("app/b/Old.App.pe", TestBytes.Pattern(40));
            FaultyFileStore store = new FaultyFileStore(flash);
            store.FailPrefix = "app/b/Old";
            store.FailWith = StorageStatus.IoError;
            SlotPreparation preparation = new SlotPreparation(store);
            StorageStatus status = preparation.Prepare(SlotLayout.SlotB, Documents());
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            string detail = preparation.Detail;
            Assert.AreEqual("clearing app/b", detail);
            bool written = flash.Exists("app/b/manifest.json");
            Assert.IsFalse(written, "nothing written into a slot that could not be cleared");
        }

        [TestMethod]
        [DataRow("app/b/manifest.json", "writing manifest.json", false)]
        [DataRow("app/b/manifest.sig", "writing manifest.sig", true)]
        [DataRow("app/b/signer", "writing signer.delegation", true)]
        public void Prepare_WriteFails_ReturnsItsStatusAndNamesTheDocument(string failing, string expected, bool manifestWritten)
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore store = new FaultyFileStore(flash);
            store.FailPrefix = failing;
            store.FailWith = StorageStatus.Full;
            SlotPreparation preparation = new SlotPreparation(store);
            StorageStatus status = preparation.Prepare(SlotLayout.SlotB, Documents());
            Assert.AreEqual((int)StorageStatus.Full, (int)status);
            string detail = preparation.Detail;
            Assert.AreEqual(expected, detail);
            bool manifest = flash.Exists("app/b/manifest.json");
            Assert.AreEqual(manifestWritten, manifest, "written in order, stopped at the first failure");
        }

        [TestMethod]
        public void Prepare_DocumentsShorterThanTheirBuffers_WritesOnlyTheUsedBytes()
        {
            MemoryFileStore flash = new MemoryFileStore();
            BundleDocuments documents = Documents();
            documents.SetLength(1, 2);
            StorageStatus status = new SlotPreparation(flash).Prepare(SlotLayout.SlotA, documents);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            string signature = Text(flash, "app/a/manifest.sig");
            Assert.AreEqual("si", signature);
        }

        internal static BundleDocuments Documents()
        {
            BundleDocuments documents = new BundleDocuments();
            Fill(documents, 0, "{\"v\":2}");
            Fill(documents, 1, "sig");
            Fill(documents, 2, "deleg");
            return documents;
        }

        private static void Fill(BundleDocuments documents, int index, string text)
        {
            byte[] bytes = TestBytes.Utf8(text);
            System.Array.Copy(bytes, 0, documents.Buffer(index), 0, bytes.Length);
            documents.SetLength(index, bytes.Length);
        }

        private static string Text(MemoryFileStore flash, string path)
        {
            byte[] bytes = flash.Snapshot(path);
            return bytes == null ? null : new string(System.Text.Encoding.UTF8.GetChars(bytes, 0, bytes.Length));
        }
    }
}
