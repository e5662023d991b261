using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class RetryScheduleTests
    {
        [TestMethod]
        public void Failed_BacksOffWithinTheCeilingAndGivesUpAtTheLimit()
        {
            RetrySchedule retry = new RetrySchedule();
            retry.Restart(1000);
            long wait = retry.Wait(1000);
            Assert.AreEqual(0L, wait);
            for (int i = 1; i < RetrySchedule.MaxFailures; i++)
            {
                Assert.IsTrue(retry.Failed(1000, uint.MaxValue), "attempt left");
                wait = retry.Wait(1000);
                Assert.IsTrue(wait >= RetrySchedule.RetryFloorMs && wait <= RetrySchedule.RetryCapMs, wait.ToString());
            }

            Assert.IsFalse(retry.Failed(1000, 0), "given up");
            retry.Progress();
            int failures = retry.Failures;
            Assert.AreEqual(0, failures);
        }

        [TestMethod]
        public void Failed_FirstFailureWaitsAtMostTheBase()
        {
            RetrySchedule retry = new RetrySchedule();
            retry.Restart(-50);
            Assert.IsTrue(retry.Failed(-50, uint.MaxValue), "attempt left");
            long wait = retry.Wait(-50);
            Assert.IsTrue(wait <= RetrySchedule.RetryBaseMs, wait.ToString());
            retry.DueAt(10);
            wait = retry.Wait(-50);
            Assert.AreEqual(60L, wait);
        }

        // Known answers: the first failure draws from [floor, base] = [1000, 5000], the second from [1000, 10000].
        [TestMethod]
        public void Failed_JitterDrawnBelowTheDoublingCeiling()
        {
            RetrySchedule retry = new RetrySchedule();
            retry.Restart(0);
            retry.Failed(0, 19000);
            long wait = retry.Wait(0);
            Assert.AreEqual(1000L + (19000 % 4001), wait);
            retry.Failed(0, 19000);
            wait = retry.Wait(0);
            Assert.AreEqual(1000L + (19000 % 9001), wait);
        }
    }
}
