using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
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
                CollectionAssert.AreEqual(Payload(i), TestBytes.Slice(store.Payload, store.PayloadOffset, store.PayloadLength));
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
        public void Save_AfterLoadingTheNewCopy_PowerCutAtEveryOperation_NeverFallsBackToTheOlder()
        {
            // Loaded from "r.new" (the main copy is older): the save must promote it before reusing its name, or a cut
            // while "r.new" is rewritten leaves only the older record.
            for (int percent = 0; percent <= 100; percent += 50)
            {
                for (int cut = 1; cut <= 5; cut++)
                {
                    MemoryFileStore flash = new MemoryFileStore();
                    flash.Put("r", Frame("SDR1", 1, Payload(1)));
                    flash.Put("r.new", Frame("SDR1", 2, Payload(2)));
                    RecordStore store = new RecordStore(new PowerCutFileStore(flash, cut, percent), "r", 32);
                    bool found;
                    store.Load(out found);
                    store.Save(Payload(3), 0, 10);
                    int first = LoadFirstByte(flash);
                    Assert.IsTrue(first >= 2, "cut " + cut + " at " + percent + "% found " + first);
                }
            }
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
            Assert.AreEqual("count", ThrownArgument.Name(saveNineBytes));
        }

        [TestMethod]
        public void Save_BadRangeAfterLoadingTheNewCopy_ThrowsBeforeTouchingFlash()
        {
            // Loaded from "r.new", the next save starts by promoting it: a bad argument must be refused before that.
            MemoryFileStore flash = NewerInTheNewCopy();
            RecordStore store = new RecordStore(flash, "r", 32);
            bool found;
            store.Load(out found);
            int before = flash.MutationCount;
            System.Action badRange = () => store.Save(new byte[4], 2, 4);
            Assert.AreEqual("offset", ThrownArgument.Name(badRange));
            Assert.AreEqual(before, flash.MutationCount);
        }

        [TestMethod]
        public void Save_PromotionFails_ReturnsTheErrorAndKeepsTheNewer()
        {
            MemoryFileStore flash = NewerInTheNewCopy();
            RecordStore store = new RecordStore(new FailOnceFileStore(flash, 1), "r", 32);
            bool found;
            store.Load(out found);
            StorageStatus status = store.Save(Payload(3), 0, 10);
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.AreEqual(2, LoadFirstByte(flash));
        }

        [TestMethod]
        public void Save_WriteFailsAfterPromotion_KeepsTheNewerAndTheNextSaveSucceeds()
        {
            // Operations: delete "r", rename "r.new" to "r" (the promotion), then write "r.new", which fails.
            MemoryFileStore flash = NewerInTheNewCopy();
            RecordStore store = new RecordStore(new FailOnceFileStore(flash, 3), "r", 32);
            bool found;
            store.Load(out found);
            StorageStatus failed = store.Save(Payload(3), 0, 10);
            Assert.AreEqual((int)StorageStatus.IoError, (int)failed);
            Assert.AreEqual(2, LoadFirstByte(flash));
            StorageStatus retried = store.Save(Payload(4), 0, 10);
            Assert.AreEqual((int)StorageStatus.Ok, (int)retried);
            Assert.AreEqual(4, LoadFirstByte(flash));
        }

        [TestMethod]
        public void Save_ReplaceFailsThenPowerCutInTheNextSave_NeverLoadsOlderThanTheWritten()
        {
            // The first save writes "r.new" (sequence 2), then deleting "r" fails: both copies stay and the newer one is
            // current. The next save must treat it so; a cut at any of its operations leaves sequence 2 or 3, never 1.
            for (int cut = 3; cut <= 7; cut++)
            {
                MemoryFileStore flash = new MemoryFileStore();
                flash.Put("r", Frame("SDR1", 1, Payload(1)));
                RecordStore store = new RecordStore(new PowerCutFileStore(new FailOnceFileStore(flash, 2), cut, 50), "r", 32);
                bool found;
                store.Load(out found);
                StorageStatus status = store.Save(Payload(2), 0, 10);
                Assert.AreEqual((int)StorageStatus.IoError, (int)status);
                store.Save(Payload(3), 0, 10);
                int first = LoadFirstByte(flash);
                Assert.IsTrue(first >= 2, "cut " + cut + " found " + first);
            }
        }

        [TestMethod]
        public void Constructor_MissingStoreOrPathOrPayloadOutOfRange_Throws()
        {
            MemoryFileStore flash = new MemoryFileStore();
            System.Action noStore = () => new RecordStore(null, "r", 8);
            System.Action noPath = () => new RecordStore(flash, null, 8);
            System.Action empty = () => new RecordStore(flash, "r", 0);
            System.Action huge = () => new RecordStore(flash, "r", 4097);
            Assert.ThrowsException(typeof(System.ArgumentNullException), noStore);
            Assert.ThrowsException(typeof(System.ArgumentNullException), noPath);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), empty);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), huge);
            Assert.AreEqual("store", ThrownArgument.Name(noStore));
            Assert.AreEqual("path", ThrownArgument.Name(noPath));
            Assert.AreEqual("maxPayload", ThrownArgument.Name(huge));
        }

        [TestMethod]
        public void Constructor_PayloadLimitsOneAnd4096_AreAccepted()
        {
            MemoryFileStore flash = new MemoryFileStore();
            StorageStatus small = new RecordStore(flash, "a", 1).Save(new byte[1], 0, 1);
            StorageStatus large = new RecordStore(flash, "b", 4096).Save(new byte[4096], 0, 4096);
            Assert.AreEqual((int)StorageStatus.Ok, (int)small);
            Assert.AreEqual((int)StorageStatus.Ok, (int)large);
            Assert.AreEqual(RecordStore.Overhead + 4096, flash.Snapshot("b").Length);
            RecordStore reopened = new RecordStore(flash, "b", 4096);
            bool found;
            reopened.Load(out found);
            Assert.IsTrue(found);
            Assert.AreEqual(4096, reopened.PayloadLength);

            // A file longer than the largest record is not one (and is never read into the buffer).
            flash.Put("a", new byte[RecordStore.Overhead + 2]);
            StorageStatus status = new RecordStore(flash, "a", 1).Load(out found);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.IsFalse(found);
        }

        [TestMethod]
        public void Save_AfterLoadingAHighSequence_WritesTheDocumentedLayout()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("r", Frame("SDR1", 0x12345678, Payload(1)));
            RecordStore store = new RecordStore(flash, "r", 32);
            bool found;
            store.Load(out found);
            store.Save(Payload(2), 0, 10);
            CollectionAssert.AreEqual(Frame("SDR1", 0x12345679, Payload(2)), flash.Snapshot("r"));
            Assert.AreEqual(0x12345679, store.Sequence);
        }

        [TestMethod]
        public void Load_EqualSequences_KeepsTheMainCopy()
        {
            // Only a strictly newer ".new" replaces the main copy; a tie is not newer.
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("r", Frame("SDR1", 7, Payload(1)));
            flash.Put("r.new", Frame("SDR1", 7, Payload(2)));
            int first = LoadFirstByte(flash);
            Assert.AreEqual(1, first);
        }

        [TestMethod]
        public void Load_SequenceWrappedPastMaxValue_ReturnsTheNewer()
        {
            // Compared wrap-safely: the save after int.MaxValue is int.MinValue, and it is the newer one.
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("r", Frame("SDR1", int.MaxValue, Payload(1)));
            flash.Put("r.new", Frame("SDR1", int.MinValue, Payload(2)));
            int first = LoadFirstByte(flash);
            Assert.AreEqual(2, first);
            flash.Put("r", Frame("SDR1", int.MinValue, Payload(3)));
            flash.Put("r.new", Frame("SDR1", int.MaxValue, Payload(4)));
            first = LoadFirstByte(flash);
            Assert.AreEqual(3, first);
        }

        [TestMethod]
        public void Load_EmptyPayload_IsARecordLikeAnyOther()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("r", Frame("SDR1", 1, Payload(1)));
            flash.Put("r.new", Frame("SDR1", 2, new byte[0]));
            RecordStore store = new RecordStore(flash, "r", 32);
            bool found;
            store.Load(out found);
            Assert.IsTrue(found);
            Assert.AreEqual(2, store.Sequence);
            Assert.AreEqual(0, store.PayloadLength);
            flash.Put("r", Frame("SDR1", 3, new byte[0]));
            store.Load(out found);
            Assert.AreEqual(3, store.Sequence);
            Assert.AreEqual(0, store.PayloadLength);
            flash.Delete("r.new");
            store.Load(out found);
            Assert.IsTrue(found);
            Assert.AreEqual(3, store.Sequence);
        }

        [TestMethod]
        public void Load_ReadErrorOnEitherCopy_ReturnsTheErrorNotARecord()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("r", Frame("SDR1", 1, Payload(1)));
            flash.Put("r.new", Frame("SDR1", 2, Payload(2)));
            FlakyReadFileStore flaky = new FlakyReadFileStore(flash);
            RecordStore store = new RecordStore(flaky, "r", 32);
            string[] paths = new string[] { "r", "r", "r.new", "r.new" };
            for (int i = 0; i < paths.Length; i++)
            {
                flaky.Path = paths[i];
                flaky.FailLength = i % 2 == 0;
                flaky.FailRead = i % 2 == 1;
                bool found;
                StorageStatus status = store.Load(out found);
                Assert.AreEqual((int)StorageStatus.IoError, (int)status, "case " + i);
                Assert.IsFalse(found);
            }
        }

        [TestMethod]
        public void Load_ShortReadOrWrongMagic_IgnoresThatCopy()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("r", Frame("SDR1", 1, Payload(1)));
            flash.Put("r.new", Frame("SDR1", 2, Payload(2)));
            FlakyReadFileStore flaky = new FlakyReadFileStore(flash);
            flaky.Path = "r.new";
            flaky.ShortRead = true;
            RecordStore store = new RecordStore(flaky, "r", 32);
            bool found;
            StorageStatus status = store.Load(out found);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.AreEqual(1, store.Sequence);

            // Checksum right, magic wrong: a record of another format is not ours.
            flash.Put("r.new", Frame("SDR2", 2, Payload(2)));
            flaky.Path = null;
            store.Load(out found);
            Assert.AreEqual(1, store.Sequence);
            flash.Delete("r");
            store.Load(out found);
            Assert.IsFalse(found);
        }

        // "r" holds sequence 1 and "r.new" the newer sequence 2, as a cut before the main copy was replaced leaves them.
        private static MemoryFileStore NewerInTheNewCopy()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("r", Frame("SDR1", 1, Payload(1)));
            flash.Put("r.new", Frame("SDR1", 2, Payload(2)));
            return flash;
        }

        private static int LoadFirstByte(MemoryFileStore flash)
        {
            RecordStore store = new RecordStore(flash, "r", 32);
            bool found;
            store.Load(out found);
            Assert.IsTrue(found);
            return store.Payload[store.PayloadOffset];
        }

        // An encoder of the documented layout written apart from RecordStore, so the two cross-check:
        // magic (4) | sequence (4, big-endian) | payload length (2) | payload | first 8 bytes of SHA-256 of all before.
        private static byte[] Frame(string magic, int sequence, byte[] payload)
        {
            byte[] frame = new byte[RecordStore.Overhead + payload.Length];
            System.Array.Copy(TestBytes.Utf8(magic), 0, frame, 0, 4);
            frame[4] = (byte)(sequence >> 24);
            frame[5] = (byte)(sequence >> 16);
            frame[6] = (byte)(sequence >> 8);
            frame[7] = (byte)sequence;
            frame[8] = (byte)(payload.Length >> 8);
            frame[9] = (byte)payload.Length;
            System.Array.Copy(payload, 0, frame, 10, payload.Length);
            byte[] digest = new byte[32];
            new Sha256().Hash(frame, 0, 10 + payload.Length, digest, 0);
            System.Array.Copy(digest, 0, frame, 10 + payload.Length, 8);
            return frame;
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
