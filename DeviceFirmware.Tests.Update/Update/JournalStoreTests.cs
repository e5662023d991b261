using nanoFramework.TestFramework;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Update
{
    /// <summary>
    /// The journal store's floor record (state/floor): one effective floor, the higher of the journal's and the record's.
    /// (The journal-only load and save tests are in UpdateJournalTests.)
    /// </summary>
    [TestClass]
    public class JournalStoreTests
    {
        // The journal was replaced by one with a lower floor (or restored from an older copy): the record's floor holds.
        [TestMethod]
        public void Load_FloorRecordAboveTheJournal_CurrentCarriesTheRecordsFloor()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Loaded(flash).Save(Adopted(3));
            FloorStore record = new FloorStore(flash);
            record.Raise(7);
            JournalStore store = new JournalStore(flash);
            bool found;
            store.Load(out found);
            Assert.IsTrue(found);
            long floor = store.Current.SecurityFloor;
            Assert.AreEqual(7L, floor);

            // A later save of the lower floor keeps the effective floor and leaves the record alone.
            StorageStatus status = store.Save(Adopted(3));
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            floor = store.Current.SecurityFloor;
            Assert.AreEqual(7L, floor);
            floor = Floor(flash);
            Assert.AreEqual(7L, floor);
        }

        // The journal is written first, the record second, and the record only when the floor rises.
        [TestMethod]
        public void Save_FloorRises_RecordRaisedOnlyThen()
        {
            MemoryFileStore flash = new MemoryFileStore();
            JournalStore store = Loaded(flash);
            store.Save(Adopted(3));
            long floor = Floor(flash);
            Assert.AreEqual(3L, floor);
            FaultyFileStore faulty = new FaultyFileStore(flash);
            faulty.FailPrefix = FloorStore.Path;
            JournalStore same = Loaded(faulty);
            StorageStatus status = same.Save(Adopted(3));
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.AreEqual(0, faulty.Failures, "an unchanged floor writes no record");
        }

        // A failed record save does not fail the journal save (the journal holds the floor); it is counted and repaired at
        // the next save.
        [TestMethod]
        public void Save_FloorRecordSaveFails_JournalSavedFailureCountedNextSaveRepairs()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore faulty = new FaultyFileStore(flash);
            JournalStore store = Loaded(faulty);
            faulty.FailPrefix = FloorStore.Path;
            StorageStatus status = store.Save(Adopted(5));
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            int failures = store.FloorSaveFailures;
            Assert.AreEqual(1, failures);
            bool lags = store.FloorRecordLagging;
            Assert.IsTrue(lags);
            long floor = Loaded(flash).Current.SecurityFloor;
            Assert.AreEqual(5L, floor);
            Assert.AreEqual(0L, Floor(flash));

            faulty.FailPrefix = null;
            UpdateJournal next = new UpdateJournal();
            next.CopyFrom(store.Current);
            next.Reverted(UpdateOutcome.RevertedCorrupt);
            store.Save(next);
            floor = Floor(flash);
            Assert.AreEqual(5L, floor);
            lags = store.FloorRecordLagging;
            Assert.IsFalse(lags);
        }

        // Fail closed: a floor record that cannot be read fails the load as an unreadable journal does (planned as missing,
        // nothing saved); the floor the journal gave still holds.
        [TestMethod]
        public void Load_FloorRecordUnreadable_ReadFailureNothingSaved()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Loaded(flash).Save(Adopted(3));
            FaultyFileStore faulty = new FaultyFileStore(flash);
            faulty.FailReadsPrefix = FloorStore.Path;
            JournalStore store = new JournalStore(faulty);
            bool found;
            StorageStatus status = store.Load(out found);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.IsFalse(found);
            bool unreadable = store.Unreadable;
            Assert.IsTrue(unreadable);
            long floor = store.Current.SecurityFloor;
            Assert.AreEqual(3L, floor);
            int writes = flash.MutationCount;
            status = store.Save(Adopted(4));
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            status = store.RepairFloor();
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.AreEqual(writes, flash.MutationCount);
        }

        // A journal that adopted slot A with `floor`.
        private static UpdateJournal Adopted(long floor)
        {
            UpdateJournal journal = new UpdateJournal();
            journal.Adopted(SlotLayout.SlotA, new byte[32], floor);
            return journal;
        }

        private static JournalStore Loaded(IFileStore flash)
        {
            JournalStore store = new JournalStore(flash);
            bool found;
            store.Load(out found);
            return store;
        }

        private static long Floor(IFileStore flash)
        {
            FloorStore record = new FloorStore(flash);
            bool found;
            record.Load(out found);
            return record.Floor;
        }
    }
}
