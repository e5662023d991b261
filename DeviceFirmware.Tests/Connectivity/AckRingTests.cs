using nanoFramework.TestFramework;
using SecureDevice.Core.Connectivity;

namespace SecureDevice.Tests.Connectivity
{
    [TestClass]
    public class AckRingTests
    {
        [TestMethod]
        public void TryTake_AfterWrappingAround_ReturnsIdsInArrivalOrder()
        {
            AckRing ring = new AckRing(3);
            int id;
            for (int round = 0; round < 4; round++)
            {
                ring.TryAdd(10 * round + 1);
                ring.TryAdd(10 * round + 2);
                int first = 10 * round + 1;
                ring.TryTake(out id);
                Assert.AreEqual(first, id);
                ring.TryTake(out id);
                Assert.AreEqual(first + 1, id);
            }

            bool taken = ring.TryTake(out id);
            Assert.IsFalse(taken);
            Assert.AreEqual(0, id);
        }

        [TestMethod]
        public void TryAdd_Full_RefusesCountsAndKeepsTheOldest()
        {
            AckRing ring = new AckRing(2);
            ring.TryAdd(1);
            ring.TryAdd(2);
            bool added = ring.TryAdd(3);
            Assert.IsFalse(added);
            int dropped = ring.Dropped;
            int count = ring.Count;
            Assert.AreEqual(1, dropped);
            Assert.AreEqual(2, count);
            int id;
            ring.TryTake(out id);
            Assert.AreEqual(1, id);
            added = ring.TryAdd(4);
            Assert.IsTrue(added);
            ring.TryTake(out id);
            Assert.AreEqual(2, id);
            ring.TryTake(out id);
            Assert.AreEqual(4, id);
        }

        [TestMethod]
        public void Clear_ForgetsEveryIdButNotTheDropCount()
        {
            AckRing ring = new AckRing(1);
            ring.TryAdd(7);
            ring.TryAdd(8);
            ring.Clear();
            int id;
            bool taken = ring.TryTake(out id);
            Assert.IsFalse(taken);
            int dropped = ring.Dropped;
            Assert.AreEqual(1, dropped);
            bool added = ring.TryAdd(9);
            Assert.IsTrue(added);
        }

        [TestMethod]
        public void Constructor_CapacityOutOfRange_Throws()
        {
            System.Action none = () => new AckRing(0);
            System.Action tooMany = () => new AckRing(1025);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), none);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), tooMany);
        }
    }
}
