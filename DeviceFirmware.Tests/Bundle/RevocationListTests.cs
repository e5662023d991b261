using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class RevocationListTests
    {
        [TestMethod]
        public void Add_OneMoreThanCapacity_ForgetsOnlyTheOldest()
        {
            RevocationList list = new RevocationList();
            for (int i = 0; i <= RevocationList.Capacity; i++)
            {
                Assert.IsTrue(list.Add("k" + i.ToString()));
            }

            Assert.AreEqual(RevocationList.Capacity, list.Count);
            Assert.IsFalse(list.Contains("k0"));
            Assert.IsTrue(list.Contains("k1"));
            Assert.AreEqual("k1", list[0]);
            Assert.AreEqual("k32", list[RevocationList.Capacity - 1]);
        }

        [TestMethod]
        public void Add_SameIdTwice_AddsItOnce()
        {
            RevocationList list = new RevocationList();
            list.Add("key-a");
            Assert.IsFalse(list.Add("key-a"));
            Assert.AreEqual(1, list.Count);
            Assert.IsFalse(list.Contains("key-b"));
        }

        [TestMethod]
        public void Add_InvalidId_ThrowsNamingIt()
        {
            RevocationList list = new RevocationList();
            System.Action add = () => list.Add("-bad");
            Assert.AreEqual("keyId", ThrownArgument.Name(add));
            Assert.AreEqual(0, list.Count);
        }

        [TestMethod]
        public void Indexer_OutsideTheList_Throws()
        {
            RevocationList list = new RevocationList();
            list.Add("key-a");
            System.Action below = () => { string id = list[-1]; };
            System.Action past = () => { string id = list[1]; };
            Assert.AreEqual("index", ThrownArgument.Name(below));
            Assert.AreEqual("index", ThrownArgument.Name(past));
        }

        [TestMethod]
        public void Clear_ThenContains_IsFalse()
        {
            RevocationList list = new RevocationList();
            list.Add("key-a");
            list.Clear();
            Assert.AreEqual(0, list.Count);
            Assert.IsFalse(list.Contains("key-a"));
            Assert.IsTrue(list.Add("key-a"));
        }
    }
}
