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
    }
}
