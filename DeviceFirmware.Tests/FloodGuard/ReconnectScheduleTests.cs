using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class ReconnectScheduleTests
    {
        [TestMethod]
        public void OnFailure_Consecutive_FullJitterUnderADoublingCeilingUpToTheCap()
        {
            ReconnectSchedule schedule = new ReconnectSchedule(new BackoffConfig());
            long ceiling = 1000;
            for (int n = 1; n <= 14; n++)
            {
                // The top of the range (random = the span above the 1 s floor), then the floor itself.
                long high = schedule.OnFailure(0, (uint)(ceiling - 1000));
                schedule.Restore(n - 1);
                long low = schedule.OnFailure(0, 0);
                Assert.AreEqual(ceiling, high);
                Assert.AreEqual(1000L, low);
                ceiling = ceiling * 2 > 900000 ? 900000 : ceiling * 2;
            }

            Assert.AreEqual(14, schedule.Failures);
        }

        [TestMethod]
        public void OnStableLost_SpreadThenFastPhaseUntilItEnds()
        {
            ReconnectSchedule schedule = new ReconnectSchedule(new BackoffConfig());
            long first = schedule.OnStableLost(100000, 30000);
            long fast = schedule.OnFailure(130000, 10000);
            bool inside = schedule.InFastPhase(999999);
            bool after = schedule.InFastPhase(1000000);
            long slow = schedule.OnFailure(1000000, 1000);
            Assert.AreEqual(30000L, first);
            Assert.AreEqual(30000L, fast);
            Assert.IsTrue(inside);
            Assert.IsFalse(after);
            Assert.AreEqual(2000L, slow); // the second failure: ceiling 2 s
        }

        [TestMethod]
        public void OnStable_BackoffStartsAgain()
        {
            ReconnectSchedule schedule = new ReconnectSchedule(new BackoffConfig());
            schedule.Restore(5);
            long sixth = schedule.OnFailure(0, 31000);
            schedule.OnStable();
            long first = schedule.OnFailure(0, 31000);
            Assert.AreEqual(32000L, sixth);
            Assert.AreEqual(1000L, first);
        }
    }
}
