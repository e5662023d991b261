using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class BootLoopBreakerTests
    {
        private const long Utc = 1767225600; // 2026-01-01T00:00:00Z

        [TestMethod]
        public void OnBoot_FifthCrashInTheWindow_EntersSafeModeOnce()
        {
            BootLoopBreaker breaker = new BootLoopBreaker(new BackoffConfig());
            int entered = 0;
            for (int i = 0; i < 8; i++)
            {
                entered += breaker.OnBoot(Utc + (i * 60), i == 1) ? 1 : 0; // boot 1 is planned: not counted
                bool safe = breaker.SafeMode;
                Assert.AreEqual(i >= 5, safe);
            }

            Assert.AreEqual(1, entered);
            breaker.OnStable();
            bool safeAfter = breaker.SafeMode;
            Assert.IsFalse(safeAfter);
            Assert.AreEqual(0, breaker.Boots);
        }

        [TestMethod]
        public void OnBoot_SameSecondOrAtTheWindowsLastSecond_StillCounted()
        {
            BootLoopBreaker breaker = new BootLoopBreaker(new BackoffConfig());
            breaker.OnBoot(Utc, false);
            breaker.OnBoot(Utc, false);
            breaker.OnBoot(Utc + 900, false);
            Assert.AreEqual(3, breaker.Boots);
        }

        [TestMethod]
        public void FirstUnstableBootUtc_NoneEpochOrAfterStable_MinusOneOrTheBoot()
        {
            // 0 (the epoch) is a time like any other; only -1 means none.
            BootLoopBreaker breaker = new BootLoopBreaker(new BackoffConfig());
            Assert.AreEqual(-1L, breaker.FirstUnstableBootUtc);
            breaker.OnBoot(0, false);
            Assert.AreEqual(0L, breaker.FirstUnstableBootUtc);
            breaker.OnBoot(10, false);
            Assert.AreEqual(2, breaker.Boots);
            breaker.OnStable();
            Assert.AreEqual(-1L, breaker.FirstUnstableBootUtc);
        }

        [TestMethod]
        public void OnBoot_OutsideTheWindowOrClockBack_CountsFromOne()
        {
            BootLoopBreaker breaker = new BootLoopBreaker(new BackoffConfig());
            breaker.OnBoot(Utc, false);
            breaker.OnBoot(Utc + 60, false);
            breaker.OnBoot(Utc + 961, false);
            Assert.AreEqual(1, breaker.Boots);
            breaker.OnBoot(Utc - 5, false);
            Assert.AreEqual(1, breaker.Boots);
            breaker.OnBoot(-1, false); // unknown time still counts
            Assert.AreEqual(2, breaker.Boots);
        }
    }
}
