using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class ThrottleWindowTests
    {
        private const long Utc = 1767225600; // 2026-01-01T00:00:00Z

        [TestMethod]
        public void Lengthen_InForce_RaisesShortWaitsOnlyUntilTheEnd()
        {
            ThrottleWindow window = new ThrottleWindow(86400000);
            window.Apply(5000, Utc, 600000, Utc + 3600);
            long raised = window.Lengthen(5000, 1000);
            long kept = window.Lengthen(5000, 900000);
            long after = window.Lengthen(3605000, 1000);
            Assert.AreEqual(600000L, raised);
            Assert.AreEqual(900000L, kept);
            Assert.AreEqual(1000L, after);
            int rate = window.RatePerHour;
            Assert.AreEqual(6, rate);
        }

        [TestMethod]
        public void RatePerHour_NoIntervalOrLongerThanAnHour_FastestOrOne()
        {
            ThrottleWindow window = new ThrottleWindow(86400000);
            Assert.AreEqual(TokenBucket.MaxPerHour, window.RatePerHour);
            window.Apply(0, Utc, 7200000, Utc + 3600);
            Assert.AreEqual(1, window.RatePerHour);
        }

        [TestMethod]
        public void Apply_BeyondTheMaximum_BoundedAndEndInThePastIsNoThrottle()
        {
            ThrottleWindow window = new ThrottleWindow(3600000);
            window.Apply(0, Utc, long.MaxValue / 4, Utc + 86400);
            bool inForce = window.InForce(3599999);
            Assert.IsTrue(inForce);
            inForce = window.InForce(3600000);
            Assert.IsFalse(inForce);
            long interval = window.MinIntervalMs;
            Assert.AreEqual(3600000L, interval);
            window.Apply(0, Utc, 1000, Utc - 10);
            inForce = window.InForce(0);
            Assert.IsFalse(inForce);
        }

        [TestMethod]
        public void OnBoot_RestoredEndAhead_InForceForWhatIsLeft()
        {
            ThrottleWindow window = new ThrottleWindow(86400000);
            window.Restore(Utc + 600, 60000);
            bool inForce = window.InForce(0);
            Assert.IsFalse(inForce); // not before boot: the monotonic end is unknown
            int changes = window.Changes;
            window.OnBoot(1000, Utc + 100);
            Assert.AreEqual(changes + 1, window.Changes);
            inForce = window.InForce(500999);
            Assert.IsTrue(inForce);
            inForce = window.InForce(501000);
            Assert.IsFalse(inForce);
        }

        [TestMethod]
        public void Constructor_MaximumBelowOne_ThrowsAndOneIsTheSmallest()
        {
            System.Action zero = () => new ThrottleWindow(0);
            Assert.AreEqual("maxMs", ThrownArgument.Name(zero));
            ThrottleWindow smallest = new ThrottleWindow(1);
            Assert.AreEqual(-1L, smallest.UntilUtc);
        }

        [TestMethod]
        public void Apply_NegativeIntervalOrEndInThePast_ClampedToNone()
        {
            ThrottleWindow window = new ThrottleWindow(86400000);
            window.Apply(5000, Utc, -5, Utc - 10);
            Assert.AreEqual(0L, window.MinIntervalMs);
            Assert.AreEqual(Utc, window.UntilUtc);
            Assert.AreEqual(5000L, window.ChangedAtMs);
        }

        [TestMethod]
        public void OnBoot_WallClockAtTheEpoch_RestoredEndStillAhead()
        {
            ThrottleWindow window = new ThrottleWindow(86400000);
            window.Restore(100, 60000);
            window.OnBoot(0, 0);
            bool inForce = window.InForce(99999);
            Assert.IsTrue(inForce);
        }

        [TestMethod]
        public void OnBoot_NoWallClockOrEndPassed_NothingRestored()
        {
            ThrottleWindow unknown = new ThrottleWindow(86400000);
            unknown.Restore(Utc + 600, 60000);
            unknown.OnBoot(0, -1);
            ThrottleWindow passed = new ThrottleWindow(86400000);
            passed.Restore(Utc + 600, 60000);
            passed.OnBoot(0, Utc + 600);
            bool inForce = unknown.InForce(0) || passed.InForce(0);
            Assert.IsFalse(inForce);
            Assert.AreEqual(0, passed.Changes);
        }
    }
}
