using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class RevocationStoreTests
    {
        [TestMethod]
        public void AddFrom_NewIds_PersistedAcrossReload()
        {
            MemoryFileStore flash = new MemoryFileStore();
            RevocationStore store = new RevocationStore(flash);
            store.Load();
            // A second save writes the whole list afresh, not after the first one's bytes.
            store.AddFrom(Revoking("\"key-a\""));
            StorageStatus status = store.AddFrom(Revoking("\"key-a\",\"key-b\""));
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            RevocationStore reloaded = new RevocationStore(flash);
            reloaded.Load();
            Assert.AreEqual(2, reloaded.List.Count);
            bool revoked = reloaded.List.Contains("key-b");
            Assert.IsTrue(revoked);
        }

        [TestMethod]
        public void AddFrom_NothingNew_NoFlashWrite()
        {
            MemoryFileStore flash = new MemoryFileStore();
            RevocationStore store = new RevocationStore(flash);
            store.Load();
            store.AddFrom(Revoking("\"key-a\""));
            int writes = flash.MutationCount;
            store.AddFrom(Revoking("\"key-a\""));
            store.AddFrom(Revoking(null));
            Assert.AreEqual(writes, flash.MutationCount);
        }

        [TestMethod]
        public void AddFrom_SaveFails_RetriedOnNextCall()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultyFileStore faulty = new FaultyFileStore(flash);
            faulty.FailPrefix = RevocationStore.Path;
            RevocationStore store = new RevocationStore(faulty);
            store.Load();
            StorageStatus status = store.AddFrom(Revoking("\"key-a\""));
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            faulty.FailPrefix = null;
            status = store.AddFrom(Revoking("\"key-a\""));
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            RevocationStore reloaded = new RevocationStore(flash);
            reloaded.Load();
            bool revoked = reloaded.List.Contains("key-a");
            Assert.IsTrue(revoked);
        }

        [TestMethod]
        public void Load_DamagedRecord_Empty()
        {
            MemoryFileStore flash = new MemoryFileStore();
            RecordStore raw = new RecordStore(flash, RevocationStore.Path, 16);
            bool found;
            raw.Load(out found);
            raw.Save(new byte[] { 1, 3, (byte)'a', (byte)'/', (byte)'b' }, 0, 5);
            RevocationStore store = new RevocationStore(flash);
            StorageStatus status = store.Load();
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
            Assert.AreEqual(0, store.List.Count);
        }

        // An unreadable record: the read failure is returned and nothing of the list loaded before stays.
        [TestMethod]
        public void Load_ReadFails_FailureAndEmpty()
        {
            FaultyFileStore faulty = new FaultyFileStore(new MemoryFileStore());
            RevocationStore store = new RevocationStore(faulty);
            store.Load();
            store.AddFrom(Revoking("\"key-a\""));
            faulty.FailReadsPrefix = RevocationStore.Path;
            StorageStatus status = store.Load();
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            Assert.AreEqual(0, store.List.Count);
        }

        // A record of a full list loads whole; a count over the capacity is damage and loads as empty.
        [TestMethod]
        [DataRow(RevocationList.Capacity, RevocationList.Capacity)]
        [DataRow(RevocationList.Capacity + 1, 0)]
        public void Load_CountAtOrOverCapacity_WholeOrEmpty(int count, int expected)
        {
            byte[] payload = new byte[1 + (count * 3)];
            payload[0] = (byte)count;
            for (int i = 0; i < count; i++)
            {
                payload[1 + (i * 3)] = 2;
                payload[2 + (i * 3)] = (byte)('a' + (i % 26));
                payload[3 + (i * 3)] = (byte)('a' + (i / 26));
            }

            MemoryFileStore flash = new MemoryFileStore();
            RecordStore raw = new RecordStore(flash, RevocationStore.Path, payload.Length);
            bool found;
            raw.Load(out found);
            raw.Save(payload, 0, payload.Length);
            RevocationStore store = new RevocationStore(flash);
            store.Load();
            Assert.AreEqual(expected, store.List.Count);
        }

        internal static Manifest Revoking(string revokes)
        {
            TestBundle bundle = new TestBundle(new TestRandom(3));
            bundle.Revokes = revokes;
            byte[] manifest = bundle.Manifest();
            Manifest parsed;
            DocumentStatus status = new ManifestParser().TryParse(manifest, 0, manifest.Length, out parsed);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)status);
            return parsed;
        }
    }
}
