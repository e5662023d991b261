using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class TokenBucketTests
    {
        [TestMethod]
        public void TryTake_BurstThenRefillAtTheConfiguredRate()
        {
            TokenBucket bucket = new TokenBucket(3, 60);
            bool taken = bucket.TryTake(0);
            Assert.IsTrue(taken);
            taken = bucket.TryTake(0);
            Assert.IsTrue(taken);
            taken = bucket.TryTake(0);
            Assert.IsTrue(taken);
            taken = bucket.TryTake(0);
            Assert.IsFalse(taken);
            long wait = bucket.MillisecondsUntilToken(0);
            Assert.AreEqual(60000L, wait);
            taken = bucket.TryTake(59999);
            Assert.IsFalse(taken);
            taken = bucket.TryTake(60000);
            Assert.IsTrue(taken);
            int available = bucket.Available(60000);
            Assert.AreEqual(0, available);
        }

        [TestMethod]
        public void Refill_NeverExceedsCapacityEvenAfterALongGap()
        {
            TokenBucket bucket = new TokenBucket(2, 3600);
            bucket.TryTake(0);
            int available = bucket.Available(long.MaxValue / 2);
            Assert.AreEqual(2, available);
        }

        [TestMethod]
        public void Refill_ClockGoingBackwards_AddsNothing()
        {
            TokenBucket bucket = new TokenBucket(1, 60);
            bucket.TryTake(100000);
            bool taken = bucket.TryTake(50000);
            Assert.IsFalse(taken);
            taken = bucket.TryTake(160000);
            Assert.IsTrue(taken);
        }

        [TestMethod]
        public void Rate_OverAnHourMatchesPerHour()
        {
            TokenBucket bucket = new TokenBucket(1, 12);
            int taken = 0;
            for (long now = 0; now <= 3600000; now += 1000)
            {
                if (bucket.TryTake(now))
                {
                    taken++;
                }
            }

            Assert.AreEqual(13, taken);
        }

        [TestMethod]
        public void Configure_FasterRate_KeepsTheTimeWaitedSinceTheLastToken()
        {
            TokenBucket bucket = new TokenBucket(1, 1);
            bucket.TryTake(0);
            int before = bucket.Available(2400000);
            Assert.AreEqual(0, before);
            bucket.Configure(1, 2);
            int after = bucket.Available(2400000);
            Assert.AreEqual(1, after); // 40 min waited, one token per 30 min
        }

        [TestMethod]
        public void Configure_SlowerRate_KeepsWholeTokensCappedToCapacity()
        {
            TokenBucket bucket = new TokenBucket(3, 60);
            bucket.Configure(2, 1);
            int kept = bucket.Available(0);
            Assert.AreEqual(2, kept);
            bucket.TryTake(0);
            bucket.TryTake(0);
            long wait = bucket.MillisecondsUntilToken(0);
            Assert.AreEqual(3600000L, wait);
        }

        [TestMethod]
        public void Configure_PartlyDrained_KeepsItsWholeTokensAndReportsNoWait()
        {
            // 5 tokens of 1 s; 3 taken, 2 left: the same capacity keeps exactly 2, never refills to 5 or drops to 0.
            TokenBucket bucket = new TokenBucket(5, 3600);
            for (int i = 0; i < 3; i++)
            {
                bucket.TryTake(0);
            }

            bucket.Configure(5, 3600);
            Assert.AreEqual(0L, bucket.MillisecondsUntilToken(0));
            Assert.AreEqual(2, bucket.Available(0));
            System.Action zero = () => bucket.Configure(0, 3600);
            Assert.AreEqual("capacity", SecureDevice.Tests.Support.ThrownArgument.Name(zero));
        }

        [TestMethod]
        public void Configure_DrainedBucket_StaysDrained()
        {
            TokenBucket bucket = new TokenBucket(2, 60);
            bucket.TryTake(0);
            bucket.TryTake(0);
            bucket.Configure(5, 60);
            int left = bucket.Available(0);
            Assert.AreEqual(0, left);
            long wait = bucket.MillisecondsUntilToken(30000);
            Assert.AreEqual(30000L, wait); // half of the 60 s per token already waited
        }

        [TestMethod]
        public void Refill_ClockBackThenForward_CountsFromTheLatestTime()
        {
            TokenBucket bucket = new TokenBucket(1, 60);
            bucket.TryTake(100000);
            bucket.TryTake(50000);
            bool taken = bucket.TryTake(110000);
            Assert.IsFalse(taken);
            long wait = bucket.MillisecondsUntilToken(110000);
            Assert.AreEqual(50000L, wait);
        }

        [TestMethod]
        public void Available_FirstReading_CreditsNoTimeBeforeIt()
        {
            // Grown to 5 before first use, holding 1: time starts at the first reading, not at 0.
            TokenBucket bucket = new TokenBucket(1, 3600);
            bucket.Configure(5, 3600);
            int left = bucket.Available(100000);
            Assert.AreEqual(1, left);
            left = bucket.Available(100000);
            Assert.AreEqual(1, left);
        }

        [TestMethod]
        public void Refill_PartlyUsed_StopsAtCapacity()
        {
            TokenBucket bucket = new TokenBucket(2, 3600);
            bucket.TryTake(0);
            int left = bucket.Available(2000);
            Assert.AreEqual(2, left);
        }

        [TestMethod]
        public void Constructor_BadValues_Throw()
        {
            System.Action noCapacity = () => new TokenBucket(0, 1);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), noCapacity);
            System.Action noRate = () => new TokenBucket(1, 0);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), noRate);
            System.Action tooFast = () => new TokenBucket(1, TokenBucket.MaxPerHour + 1);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), tooFast);
            TokenBucket fastest = new TokenBucket(1, TokenBucket.MaxPerHour);
            Assert.AreEqual(1L, fastest.RefillIntervalMs);
        }
    }
}
