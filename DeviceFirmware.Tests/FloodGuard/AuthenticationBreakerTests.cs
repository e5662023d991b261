using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class AuthenticationBreakerTests
    {
        [TestMethod]
        public void OnFailure_Consecutive_UpperHalfOfADoublingCoolDownUpToTheCap()
        {
            AuthenticationBreaker breaker = new AuthenticationBreaker(new BackoffConfig());
            long coolDown = 900000;
            for (int i = 0; i < 10; i++)
            {
                long low = breaker.OnFailure(0);
                breaker.Restore(i);
                long high = breaker.OnFailure((uint)(coolDown / 2)); // the span: the top of the range
                Assert.AreEqual(coolDown / 2, low);
                Assert.AreEqual(coolDown, high);
                coolDown = coolDown * 2 > 86400000 ? 86400000 : coolDown * 2;
            }
        }

        [TestMethod]
        public void TakeReport_ReconnectedBeforeReporting_StillReportsTheFailures()
        {
            // A report not yet taken survives a later connection without new refusals.
            AuthenticationBreaker breaker = new AuthenticationBreaker(new BackoffConfig());
            breaker.OnFailure(1);
            breaker.OnConnected();
            breaker.OnStable();
            breaker.OnConnected();
            Assert.AreEqual(1, breaker.TakeReport());
        }

        [TestMethod]
        public void TakeReport_AfterConnecting_OnceThenZero()
        {
            AuthenticationBreaker breaker = new AuthenticationBreaker(new BackoffConfig());
            breaker.OnFailure(1);
            breaker.OnFailure(2);
            int none = breaker.TakeReport();
            Assert.AreEqual(0, none);
            breaker.OnConnected();
            breaker.OnStable();
            int first = breaker.TakeReport();
            int second = breaker.TakeReport();
            Assert.AreEqual(2, first);
            Assert.AreEqual(0, second);
            Assert.AreEqual(0, breaker.Failures);
        }
    }
}
