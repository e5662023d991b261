using nanoFramework.TestFramework;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class FloorStoreTests
    {
        // 0 and the highest security version a manifest may carry both read back.
        [TestMethod]
        [DataRow(7L)]
        [DataRow(FloorStore.MaxFloor)]
        public void Raise_ThenLoad_RoundTrips(long value)
        {
            MemoryFileStore flash = new MemoryFileStore();
            FloorStore store = new FloorStore(flash);
            bool found;
            store.Load(out found);
            Assert.IsFalse(found);
            StorageStatus status = store.Raise(value);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            FloorStore reloaded = new FloorStore(flash);
            status = reloaded.Load(out found);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.IsTrue(found);
            long floor = reloaded.Floor;
            Assert.AreEqual(value, floor);
        }

        // Only ever raised: a lower or equal floor writes nothing at all (no flash wear, and nothing lowered).
        [TestMethod]
        public void Raise_LowerOrEqual_WritesNothing()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FloorStore store = Loaded(flash);
            store.Raise(7);
            int writes = flash.MutationCount;
            store.Raise(7);
            store.Raise(3);
            store.Raise(0);
            Assert.AreEqual(writes, flash.MutationCount);
            long floor = Loaded(flash).Floor;
            Assert.AreEqual(7L, floor);
        }

        // A store that was never loaded must not compare with 0: the flash may hold a higher floor.
        [TestMethod]
        public void Raise_NeverLoaded_ComparesWithTheFlash()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Loaded(flash).Raise(9);
            int writes = flash.MutationCount;
            FloorStore unloaded = new FloorStore(flash);
            StorageStatus status = unloaded.Raise(5);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.AreEqual(writes, flash.MutationCount);
            long floor = Loaded(flash).Floor;
            Assert.AreEqual(9L, floor);
        }

        // Another format, a floor out of range, a short or a long payload: damage, read as no record.
        [TestMethod]
        [DataRow(2, 5L, 9)]
        [DataRow(1, FloorStore.MaxFloor + 1, 9)]
        [DataRow(1, -1L, 9)]
        [DataRow(1, 5L, 8)]
        [DataRow(1, 5L, 10)]
        public void Load_RecordNotOfThisFormat_ReadsAsMissing(int format, long value, int length)
        {
            RecordWriter writer = new RecordWriter(new byte[10]);
            writer.WriteByte(format);
            writer.WriteInt64(value);
            MemoryFileStore flash = new MemoryFileStore();
            RecordStore raw = new RecordStore(flash, FloorStore.Path, 10);
            bool found;
            raw.Load(out found);
            raw.Save(writer.Buffer, 0, length);
            FloorStore store = new FloorStore(flash);
            StorageStatus status = store.Load(out found);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.IsFalse(found);
            long floor = store.Floor;
            Assert.AreEqual(0L, floor);
        }

        [TestMethod]
        [DataRow(-1L)]
        [DataRow(FloorStore.MaxFloor + 1)]
        public void Raise_OutOfRange_ThrowsAndWritesNothing(long value)
        {
            MemoryFileStore flash = new MemoryFileStore();
            FloorStore store = Loaded(flash);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), () => store.Raise(value));
            Assert.AreEqual(0, flash.MutationCount);
        }

        // A record that could not be read may hold a higher floor: nothing is written over it until a load succeeds.
        [TestMethod]
        public void Raise_AfterAFailedLoad_WritesNothingUntilALoadSucceeds()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Loaded(flash).Raise(4);
            int writes = flash.MutationCount;
            FaultyFileStore faulty = new FaultyFileStore(flash);
            faulty.FailReadsPrefix = FloorStore.Path;
            FloorStore store = new FloorStore(faulty);
            bool found;
            StorageStatus status = store.Load(out found);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            bool unreadable = store.Unreadable;
            Assert.IsTrue(unreadable);
            status = store.Raise(9);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.AreEqual(writes, flash.MutationCount);

            faulty.FailReadsPrefix = null;
            store.Load(out found);
            status = store.Raise(9);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            long floor = Loaded(flash).Floor;
            Assert.AreEqual(9L, floor);
        }

        // A failed save keeps the old floor in memory, so the next raise writes again.
        [TestMethod]
        public void Raise_SaveFails_FloorUnchangedAndTheNextRaiseWrites()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore faulty = new FaultyFileStore(flash);
            FloorStore store = Loaded(faulty);
            faulty.FailPrefix = FloorStore.Path;
            StorageStatus status = store.Raise(5);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            long floor = store.Floor;
            Assert.AreEqual(0L, floor);
            faulty.FailPrefix = null;
            store.Raise(5);
            floor = Loaded(flash).Floor;
            Assert.AreEqual(5L, floor);
        }

        private static FloorStore Loaded(IFileStore flash)
        {
            FloorStore store = new FloorStore(flash);
            bool found;
            store.Load(out found);
            return store;
        }
    }
}
