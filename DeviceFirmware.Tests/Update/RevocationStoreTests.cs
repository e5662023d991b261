using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

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
            Assert.AreEqual((int)StorageStatus.Ok, (int)store.AddFrom(Revoking("\"key-a\",\"key-b\"")));
            RevocationStore reloaded = new RevocationStore(flash);
            reloaded.Load();
            Assert.AreEqual(2, reloaded.List.Count);
            Assert.IsTrue(reloaded.List.Contains("key-b"));
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
            Assert.AreEqual((int)StorageStatus.IoError, (int)store.AddFrom(Revoking("\"key-a\"")));
            faulty.FailPrefix = null;
            Assert.AreEqual((int)StorageStatus.Ok, (int)store.AddFrom(Revoking("\"key-a\"")));
            RevocationStore reloaded = new RevocationStore(flash);
            reloaded.Load();
            Assert.IsTrue(reloaded.List.Contains("key-a"));
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
            Assert.AreEqual((int)StorageStatus.Ok, (int)store.Load());
            Assert.AreEqual(0, store.List.Count);
        }

        private static Manifest Revoking(string revokes)
        {
            TestBundle bundle = new TestBundle(new TestRandom(3));
            bundle.Revokes = revokes;
            byte[] manifest = bundle.Manifest();
            Manifest parsed;
            Assert.AreEqual((int)DocumentStatus.Valid, (int)new ManifestParser().TryParse(manifest, 0, manifest.Length, out parsed));
            return parsed;
        }
    }
}
