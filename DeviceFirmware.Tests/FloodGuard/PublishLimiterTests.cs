using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class PublishLimiterTests
    {
        private const long Utc = 1767225600; // 2026-01-01T00:00:00Z

        [TestMethod]
        public void Decide_OverBudget_DelaysTelemetryAndDropsEvents()
        {
            PublishLimiter limiter = new PublishLimiter();
            PublishDecision decision;
            for (int i = 0; i < 3; i++)
            {
                decision = limiter.Decide(MessageClass.Telemetry, 0, false);
                Assert.AreEqual((int)PublishDecision.Send, (int)decision);
            }

            decision = limiter.Decide(MessageClass.Telemetry, 0, false);
            Assert.AreEqual((int)PublishDecision.Delay, (int)decision);
            Assert.AreEqual(1, limiter.Delayed(MessageClass.Telemetry));
            decision = limiter.Decide(MessageClass.Telemetry, 1000, true);
            Assert.AreEqual((int)PublishDecision.Delay, (int)decision);
            int delayed = limiter.Delayed(MessageClass.Telemetry);
            Assert.AreEqual(1, delayed);
            decision = limiter.Decide(MessageClass.Telemetry, 120000, true);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);

            for (int i = 0; i < 10; i++)
            {
                limiter.Decide(MessageClass.Event, 0, false);
            }

            decision = limiter.Decide(MessageClass.Event, 0, false);
            Assert.AreEqual((int)PublishDecision.Drop, (int)decision);
            int dropped = limiter.Dropped(MessageClass.Event);
            Assert.AreEqual(1, dropped);
            int sent = limiter.Sent(MessageClass.Event);
            Assert.AreEqual(10, sent);
            Assert.AreEqual(2, limiter.TotalLimited);
        }

        [TestMethod]
        public void Decide_ClassesHaveSeparateBudgets()
        {
            PublishLimiter limiter = new PublishLimiter();
            for (int i = 0; i < 20; i++)
            {
                limiter.Decide(MessageClass.Event, 0, false);
            }

            PublishDecision decision = limiter.Decide(MessageClass.Telemetry, 0, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
            decision = limiter.Decide(MessageClass.UpdateProgress, 0, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
        }

        [TestMethod]
        public void SafeMode_AllowsOnlyRareTelemetry()
        {
            PublishLimiter limiter = new PublishLimiter();
            limiter.SafeMode = true;
            PublishDecision decision = limiter.Decide(MessageClass.Event, 0, false);
            Assert.AreEqual((int)PublishDecision.Drop, (int)decision);
            decision = limiter.Decide(MessageClass.UpdateProgress, 0, false);
            Assert.AreEqual((int)PublishDecision.Drop, (int)decision);
            decision = limiter.Decide(MessageClass.Telemetry, 0, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
            decision = limiter.Decide(MessageClass.Telemetry, 60000, false);
            Assert.AreEqual((int)PublishDecision.Delay, (int)decision);
            decision = limiter.Decide(MessageClass.Telemetry, 1800000, true);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
        }

        [TestMethod]
        public void SafeMode_TelemetryBudgetAlreadySpent_StillDelays()
        {
            // Safe mode adds its own budget to telemetry's; it never replaces it.
            PublishLimiter limiter = new PublishLimiter();
            for (int i = 0; i < 3; i++)
            {
                limiter.Decide(MessageClass.Telemetry, 0, false);
            }

            limiter.SafeMode = true;
            PublishDecision decision = limiter.Decide(MessageClass.Telemetry, 0, false);
            Assert.AreEqual((int)PublishDecision.Delay, (int)decision);
        }

        [TestMethod]
        public void Throttle_CapsAllClassesTogetherUntilItEnds()
        {
            ThrottleWindow window = new ThrottleWindow(86400000);
            PublishLimiter limiter = new PublishLimiter(window);
            window.Apply(0, Utc, 600000, Utc + 3600);
            PublishDecision decision = limiter.Decide(MessageClass.Event, 0, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
            decision = limiter.Decide(MessageClass.Telemetry, 1000, false);
            Assert.AreEqual((int)PublishDecision.Delay, (int)decision);
            decision = limiter.Decide(MessageClass.Event, 2000, false);
            Assert.AreEqual((int)PublishDecision.Drop, (int)decision);
            decision = limiter.Decide(MessageClass.Telemetry, 600000, true);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
            bool throttled = limiter.Throttled(3600000);
            Assert.IsFalse(throttled);
            decision = limiter.Decide(MessageClass.Event, 3600000, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
        }

        [TestMethod]
        public void Throttle_NewCommandMidWindow_CountsFromTheLastMessage()
        {
            ThrottleWindow window = new ThrottleWindow(86400000);
            PublishLimiter limiter = new PublishLimiter(window);
            window.Apply(0, Utc, 3600000, Utc + 36000);
            limiter.Decide(MessageClass.Event, 0, false);
            PublishDecision early = limiter.Decide(MessageClass.Event, 2400000, false);
            Assert.AreEqual((int)PublishDecision.Drop, (int)early);
            window.Apply(2400000, Utc + 2400, 1800000, Utc + 36000);
            PublishDecision decision = limiter.Decide(MessageClass.Event, 2400000, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
        }

        [TestMethod]
        public void Throttle_SlowerCommandAfterThePaceAllowedOne_FirstMessageStillGoes()
        {
            // Re-paced as of the command: the message the old pace had allowed by then (10 min) is still allowed.
            ThrottleWindow window = new ThrottleWindow(86400000);
            PublishLimiter limiter = new PublishLimiter(window);
            window.Apply(0, Utc, 600000, Utc + 7200);
            limiter.Decide(MessageClass.Event, 0, false);
            window.Apply(900000, Utc + 900, 3600000, Utc + 7200);
            PublishDecision decision = limiter.Decide(MessageClass.Event, 900000, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
        }

        [TestMethod]
        public void Throttle_AfterUnthrottledTraffic_FirstMessageStillGoes()
        {
            // Messages sent before a command do not use up the throttle's pace: it starts with its one message.
            ThrottleWindow window = new ThrottleWindow(86400000);
            PublishLimiter limiter = new PublishLimiter(window);
            limiter.Decide(MessageClass.Event, 0, false);
            window.Apply(1000, Utc, 600000, Utc + 3600);
            PublishDecision decision = limiter.Decide(MessageClass.Event, 1000, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)decision);
        }

        [TestMethod]
        public void Configure_NewBudget_AppliesToItsClassOnly()
        {
            PublishLimiter limiter = new PublishLimiter();
            limiter.Configure(MessageClass.Event, 1, 1);
            PublishDecision first = limiter.Decide(MessageClass.Event, 0, false);
            PublishDecision second = limiter.Decide(MessageClass.Event, 1000, false);
            PublishDecision other = limiter.Decide(MessageClass.UpdateProgress, 1000, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)first);
            Assert.AreEqual((int)PublishDecision.Drop, (int)second);
            Assert.AreEqual((int)PublishDecision.Send, (int)other);
        }

        [TestMethod]
        public void Throttle_NeverRaisesTheOwnBudget()
        {
            // Property: a generous throttle command cannot let more through than the class budget alone.
            ThrottleWindow window = new ThrottleWindow(86400000);
            PublishLimiter throttled = new PublishLimiter(window);
            PublishLimiter plain = new PublishLimiter();
            window.Apply(0, Utc, 1000, Utc + 3600);
            int sentThrottled = 0;
            int sentPlain = 0;
            for (long now = 0; now < 3600000; now += 5000)
            {
                sentThrottled += throttled.Decide(MessageClass.Event, now, false) == PublishDecision.Send ? 1 : 0;
                sentPlain += plain.Decide(MessageClass.Event, now, false) == PublishDecision.Send ? 1 : 0;
            }

            Assert.IsTrue(sentThrottled <= sentPlain, sentThrottled + " > " + sentPlain);
        }

        [TestMethod]
        public void Constructor_NoWindow_Throws()
        {
            System.Action none = () => new PublishLimiter(null);
            Assert.AreEqual("throttle", SecureDevice.Tests.Support.ThrownArgument.Name(none));
        }
    }
}
