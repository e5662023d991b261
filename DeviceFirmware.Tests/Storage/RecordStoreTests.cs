using nanoFramework.TestFramework;
using SecureDevice.Core.Storage;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Storage
{
    [TestClass]
    public class RecordStoreTests
    {
        [TestMethod]
        public void SaveThenLoad_RoundTripsAndCountsSequence()
        {
            MemoryFileStore flash = new MemoryFileStore();
            RecordStore store = new RecordStore(flash, "state/backoff", 64);
            bool found;
            StorageStatus status = store.Load(out found);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.IsFalse(found);
            for (int i = 1; i <= 3; i++)
            {
                status = store.Save(Payload(i), 0, 10);
                Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            }

            RecordStore reopened = new RecordStore(flash, "state/backoff", 64);
            status = reopened.Load(out found);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.IsTrue(found);
            Assert.AreEqual(3, reopened.Sequence);
            CollectionAssert.AreEqual(Payload(3), TestBytes.Slice(reopened.Payload, reopened.PayloadOffset, reopened.PayloadLength));
            bool exists = flash.Exists("state/backoff.new");
            Assert.IsFalse(exists);
        }

        [TestMethod]
        public void Save_CostsThreeFileOperations()
        {
            MemoryFileStore flash = new MemoryFileStore();
            RecordStore store = new RecordStore(flash, "r", 16);
            bool found;
            store.Load(out found);
            store.Save(Payload(1), 0, 10);
            int before = flash.MutationCount;
            store.Save(Payload(2), 0, 10);
            int mutations = flash.MutationCount - before;
            Assert.AreEqual(3, mutations);
        }

        [TestMethod]
        public void Save_PowerCutAtEveryOperation_LeavesOldOrNewNeverNeither()
        {
            int checkedCuts = 0;
            for (int percent = 0; percent <= 100; percent += 50)
            {
                for (int cut = 1; cut <= 16; cut++)
                {
                    MemoryFileStore flash = new MemoryFileStore();
                    RecordStore setup = new RecordStore(flash, "r", 32);
                    bool found;
                    setup.Load(out found);
                    setup.Save(Payload(1), 0, 10);

                    // Several saves in a row, power cut at the cut-th file operation of the sequence.
                    PowerCutFileStore faulty = new PowerCutFileStore(flash, cut, percent);
                    RecordStore store = new RecordStore(faulty, "r", 32);
                    store.Load(out found);
                    int lastSaved = 1;
                    for (int i = 2; i <= 5 && !faulty.PowerLost; i++)
                    {
                        if (store.Save(Payload(i), 0, 10) == StorageStatus.Ok)
                        {
                            lastSaved = i;
                        }
                    }

                    RecordStore rebooted = new RecordStore(flash, "r", 32);
                    StorageStatus status = rebooted.Load(out found);
                    Assert.AreEqual((int)StorageStatus.Ok, (int)status);
                    Assert.IsTrue(found, "cut " + cut + " at " + percent + "%");
                    int value = rebooted.Payload[rebooted.PayloadOffset];
                    Assert.IsTrue(value == lastSaved || value == lastSaved + 1, "cut " + cut + " found " + value + " after " + lastSaved);
                    CollectionAssert.AreEqual(Payload(value), TestBytes.Slice(rebooted.Payload, rebooted.PayloadOffset, rebooted.PayloadLength));

                    // The next save after the reboot works and is what a later boot sees.
                    status = rebooted.Save(Payload(9), 0, 10);
                    Assert.AreEqual((int)StorageStatus.Ok, (int)status);
                    RecordStore again = new RecordStore(flash, "r", 32);
                    again.Load(out found);
                    int first = again.Payload[again.PayloadOffset];
                    Assert.AreEqual(9, first);
                    checkedCuts++;
                }
            }

            Assert.AreEqual(48, checkedCuts);
        }

        [TestMethod]
        public void Load_DamagedNewestCopy_FallsBackToTheOlder()
        {
            MemoryFileStore flash = new MemoryFileStore();
            RecordStore store = new RecordStore(flash, "r", 32);
            bool found;
            store.Load(out found);
            store.Save(Payload(1), 0, 10);
            byte[] older = flash.Snapshot("r");
            store.Save(Payload(2), 0, 10);
            byte[] newer = flash.Snapshot("r");
            newer[12] ^= 0x40;
            flash.Put("r", older);
            flash.Put("r.new", newer);
            RecordStore reopened = new RecordStore(flash, "r", 32);
            reopened.Load(out found);
            Assert.IsTrue(found);
            int first = reopened.Payload[reopened.PayloadOffset];
            Assert.AreEqual(1, first);
        }

        [TestMethod]
        public void Load_PowerCutBeforeTheMainCopyWasReplaced_ReturnsTheNewer()
        {
            MemoryFileStore flash = new MemoryFileStore();
            RecordStore store = new RecordStore(flash, "r", 32);
            bool found;
            store.Load(out found);
            store.Save(Payload(1), 0, 10);
            byte[] older = flash.Snapshot("r");
            store.Save(Payload(2), 0, 10);
            flash.Put("r.new", flash.Snapshot("r"));
            flash.Put("r", older);
            RecordStore reopened = new RecordStore(flash, "r", 32);
            reopened.Load(out found);
            int first = reopened.Payload[reopened.PayloadOffset];
            Assert.AreEqual(2, first);
            Assert.AreEqual(2, reopened.Sequence);
        }

        [TestMethod]
        public void Load_GarbageOnly_IsNotFound()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("r", TestBytes.Utf8("SDR1 but not a record at all"));
            flash.Put("r.new", new byte[3]);
            bool found;
            StorageStatus status = new RecordStore(flash, "r", 32).Load(out found);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.IsFalse(found);
        }

        [TestMethod]
        public void Save_TooLargePayload_Throws()
        {
            RecordStore store = new RecordStore(new MemoryFileStore(), "r", 8);
            System.Action saveNineBytes = () => store.Save(new byte[9], 0, 9);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), saveNineBytes);
        }

        private static byte[] Payload(int value)
        {
            byte[] payload = new byte[10];
            for (int i = 0; i < payload.Length; i++)
            {
                payload[i] = (byte)(value + (i * 16));
            }

            payload[0] = (byte)value;
            return payload;
        }
    }
}
