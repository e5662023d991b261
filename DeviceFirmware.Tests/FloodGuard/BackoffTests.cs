using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class BackoffTests
    {
        [DataRow(0, 1000L)]
        [DataRow(1, 2000L)]
        [DataRow(9, 512000L)]
        [DataRow(10, 900000L)]
        [DataRow(63, 900000L)]
        [DataRow(1000000, 900000L)]
        public void CeilingMs_DoublesUpToTheCap(int attempt, long expected)
        {
            long ceiling = Backoff.CeilingMs(attempt, 1000, 900000);
            Assert.AreEqual(expected, ceiling);
        }

        [TestMethod]
        public void CeilingMs_CapNearTheTopOfTheRange_NeverOverflows()
        {
            long half = 4611686018427387904L; // 2^62: one more doubling would overflow
            Assert.AreEqual(half, Backoff.CeilingMs(1, half, half));
            Assert.AreEqual(long.MaxValue, Backoff.CeilingMs(3, long.MaxValue, long.MaxValue));
        }

        [TestMethod]
        public void FullJitterMs_StaysWithinFloorAndCeiling()
        {
            TestRandom random = new TestRandom(7);
            long lowest = long.MaxValue;
            long highest = 0;
            for (int i = 0; i < 5000; i++)
            {
                long delay = Backoff.FullJitterMs(8000, 1000, random.NextUInt());
                Assert.IsTrue(delay >= 1000 && delay <= 8000, delay.ToString());
                lowest = delay < lowest ? delay : lowest;
                highest = delay > highest ? delay : highest;
            }

            // The whole range is used, not just part of it.
            bool wholeRange = lowest < 1100 && highest > 7900;
            Assert.IsTrue(wholeRange);
            long delayBelowFloor = Backoff.FullJitterMs(500, 1000, 12345);
            Assert.AreEqual(1000L, delayBelowFloor);
        }

        [TestMethod]
        public void Between_IsInclusiveAndHandlesEmptyRanges()
        {
            long value = Backoff.Between(5, 5, 999);
            Assert.AreEqual(5L, value);
            value = Backoff.Between(5, 3, 999);
            Assert.AreEqual(5L, value);
            value = Backoff.Between(0, 10, 0);
            Assert.AreEqual(0L, value);
            value = Backoff.Between(0, 10, 10);
            Assert.AreEqual(10L, value);
            value = Backoff.Between(0, 10, 11);
            Assert.AreEqual(0L, value);
        }
    }
}
