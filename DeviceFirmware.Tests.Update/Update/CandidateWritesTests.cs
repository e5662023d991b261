using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class CandidateWritesTests
    {
        private const string Url = "https://u.example/r/";

        [TestMethod]
        public void Download_NothingInTheJournal_SlotHoldsTheDocumentsAndJournalSaysDownloading()
        {
            MemoryFileStore flash = new MemoryFileStore();
            JournalStore journal = Journal(flash);
            string failed = Writes(flash, journal, new InstallContext()).Download(SlotPreparationTests.Documents(), Url);
            Assert.IsNull(failed);
            Assert.AreEqual((int)UpdateState.Downloading, (int)journal.Current.State);
            Assert.AreEqual(Url, journal.Current.Url);
            Assert.IsTrue(flash.Exists(SlotLayout.Path(journal.Current.CandidateSlot, SlotLayout.Manifest)));
        }

        // The slot holds the documents before the journal says Downloading: a slot that cannot be written leaves it Idle.
        [TestMethod]
        public void Download_SlotCannotBeWritten_JournalStaysIdle()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore store = new FaultyFileStore(flash);
            JournalStore journal = Journal(store);
            store.FailPrefix = SlotLayout.Folder(journal.Current.CandidateSlot);
            string failed = Writes(store, journal, new InstallContext()).Download(SlotPreparationTests.Documents(), Url);
            Assert.AreEqual("writing " + BundleDocuments.FileName(0), failed);
            Assert.AreEqual((int)UpdateState.Idle, (int)journal.Current.State);
        }

        [TestMethod]
        public void Download_JournalCannotBeSaved_SaysSoAndStaysIdle()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore store = new FaultyFileStore(flash);
            JournalStore journal = Journal(store);
            store.FailPrefix = JournalStore.Path;
            string failed = Writes(store, journal, new InstallContext()).Download(SlotPreparationTests.Documents(), Url);
            Assert.AreEqual("saving the journal", failed);
            Assert.AreEqual((int)UpdateState.Idle, (int)journal.Current.State);
        }

        // A superseded download leaves the journal first: when that save fails, its slot is not touched.
        [TestMethod]
        public void Download_SupersedingAndTheJournalCannotBeSaved_SlotUntouched()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore store = new FaultyFileStore(flash);
            JournalStore journal = Journal(store);
            journal.SaveDownloading("https://old.example/", new byte[32]);
            string kept = SlotLayout.Path(journal.Current.CandidateSlot, "Old.App.pe");
            flash.Put(kept, TestBytes.Pattern(8));
            store.FailPrefix = JournalStore.Path;
            string failed = Writes(store, journal, new InstallContext()).Download(SlotPreparationTests.Documents(), Url);
            Assert.AreEqual("saving the journal", failed);
            Assert.IsTrue(flash.Exists(kept));
            Assert.AreEqual("https://old.example/", journal.Current.Url);
        }

        // The revocations a candidate carries are saved before the journal says Staged.
        [TestMethod]
        public void Stage_RevocationsCannotBeSaved_JournalNotStaged()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore store = new FaultyFileStore(flash);
            JournalStore journal = Journal(store);
            journal.SaveDownloading(Url, new byte[32]);
            store.FailPrefix = RevocationStore.Path;
            string failed = Writes(store, journal, new InstallContext()).Stage(RevocationStoreTests.Revoking("\"key-a\""));
            Assert.AreEqual("saving revocations", failed);
            Assert.AreEqual((int)UpdateState.Downloading, (int)journal.Current.State);
            store.FailPrefix = null;
            failed = Writes(store, journal, new InstallContext()).Stage(RevocationStoreTests.Revoking("\"key-a\""));
            Assert.IsNull(failed);
            Assert.AreEqual((int)UpdateState.Staged, (int)journal.Current.State);
        }

        // The device runs the candidate's versions only once the confirmation (and its floor) is on flash.
        [TestMethod]
        [DataRow(false)]
        [DataRow(true)]
        public void Confirm_AStagedCandidate_VersionsFollowTheSave(bool saveFails)
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore store = new FaultyFileStore(flash);
            JournalStore journal = Journal(store);
            journal.SaveDownloading(Url, new byte[32]);
            journal.SaveStaged();
            InstallContext device = new InstallContext();
            device.CurrentSecurityVersion = 2;
            long floor = journal.Current.SecurityFloor;
            store.FailPrefix = saveFails ? JournalStore.Path : null;
            string failed = Writes(store, journal, device).Confirm(RevocationStoreTests.Revoking(null));
            Assert.AreEqual(saveFails ? "saving the journal" : null, failed);
            long expected = saveFails ? 2 : 3;
            Assert.AreEqual(expected, device.CurrentSecurityVersion);
            Assert.AreEqual(saveFails ? floor : 3L, journal.Current.SecurityFloor);
        }

        private static JournalStore Journal(SecureDevice.Core.Storage.IFileStore store)
        {
            JournalStore journal = new JournalStore(store);
            bool found;
            journal.Load(out found);
            return journal;
        }

        private static CandidateWrites Writes(SecureDevice.Core.Storage.IFileStore store, JournalStore journal, InstallContext device)
        {
            return new CandidateWrites(store, journal, new RevocationStore(store), device);
        }
    }
}
