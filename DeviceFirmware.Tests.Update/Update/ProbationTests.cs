using nanoFramework.TestFramework;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Update
{
    [TestClass]
    public class ProbationTests
    {
        // The whole truth table of the criterion: loaded, failed, connected, reports acknowledged -> healthy.
        [TestMethod]
        [DataRow(false, false, false, 0, false)]
        [DataRow(false, false, false, 1, false)]
        [DataRow(false, false, true, 0, false)]
        [DataRow(false, false, true, 1, false)]
        [DataRow(false, true, false, 0, false)]
        [DataRow(false, true, false, 1, false)]
        [DataRow(false, true, true, 0, false)]
        [DataRow(false, true, true, 1, false)]
        [DataRow(true, false, false, 0, false)]
        [DataRow(true, false, false, 1, false)]
        [DataRow(true, false, true, 0, false)]
        [DataRow(true, false, true, 1, true)]
        [DataRow(true, false, true, 7, true)]
        [DataRow(true, true, false, 0, false)]
        [DataRow(true, true, false, 1, false)]
        [DataRow(true, true, true, 0, false)]
        [DataRow(true, true, true, 1, false)]
        public void IsHealthy_TruthTable_OnlyLoadedConnectedAndAcknowledged(bool loaded, bool failed, bool connected, int acks, bool expected)
        {
            bool healthy = Probation.IsHealthy(loaded, failed, connected, acks);
            Assert.AreEqual(expected, healthy);
        }

        [TestMethod]
        public void Decide_NotHealthyBeforeTheLimit_WaitsForTheTimeLeft()
        {
            Probation probation = Begun(5000);
            long wait;
            ProbationVerdict verdict = probation.Decide(5000 + 250000, false, out wait);
            Assert.AreEqual((int)ProbationVerdict.Wait, (int)verdict);
            Assert.AreEqual(350000L, wait);
            verdict = probation.Decide(5000 + 599999, false, out wait);
            Assert.AreEqual((int)ProbationVerdict.Wait, (int)verdict);
            Assert.AreEqual(1L, wait);
        }

        [TestMethod]
        public void Decide_NotHealthyAtTheLimit_RevertsTimedOut()
        {
            Probation probation = Begun(5000);
            long wait;
            ProbationVerdict verdict = probation.Decide(5000 + 600000, false, out wait);
            Assert.AreEqual((int)ProbationVerdict.Revert, (int)verdict);
            UpdateOutcome outcome = probation.Outcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedTimeout, (int)outcome);
            Assert.AreEqual(0L, wait);
        }

        [TestMethod]
        public void Decide_Healthy_ConfirmsWithoutWaiting()
        {
            Probation probation = Begun(5000);
            long wait;
            ProbationVerdict verdict = probation.Decide(5001, true, out wait);
            Assert.AreEqual((int)ProbationVerdict.Confirm, (int)verdict);
            Assert.AreEqual(0L, wait);
        }

        [TestMethod]
        public void Decide_ShorterTimeout_RevertsAtIt()
        {
            Probation probation = Begun(0);
            probation.TimeoutMs = 1000;
            long wait;
            ProbationVerdict verdict = probation.Decide(999, false, out wait);
            Assert.AreEqual(1L, wait);
            verdict = probation.Decide(1000, false, out wait);
            Assert.AreEqual((int)ProbationVerdict.Revert, (int)verdict);
        }

        [TestMethod]
        public void Decide_AcrossTheClocksWrap_CountsTheElapsedTime()
        {
            long start = long.MaxValue - 1000;
            Probation probation = Begun(start);
            long now = start;
            unchecked
            {
                now += 2001;
            }

            long wait;
            ProbationVerdict verdict = probation.Decide(now, false, out wait);
            Assert.AreEqual((int)ProbationVerdict.Wait, (int)verdict);
            Assert.AreEqual(600000L - 2001, wait);
            unchecked
            {
                now += 600000;
            }

            verdict = probation.Decide(now, false, out wait);
            Assert.AreEqual((int)ProbationVerdict.Revert, (int)verdict);
        }

        [TestMethod]
        public void Decide_ClockBeforeTheStart_WaitsTheWholeTime()
        {
            Probation probation = Begun(5000);
            long wait;
            ProbationVerdict verdict = probation.Decide(4000, false, out wait);
            Assert.AreEqual((int)ProbationVerdict.Wait, (int)verdict);
            Assert.AreEqual(600000L, wait);
        }

        [TestMethod]
        public void ApplicationFailed_RevertsAppFailed()
        {
            Probation probation = Begun(5000);
            ProbationVerdict verdict = probation.ApplicationFailed();
            Assert.AreEqual((int)ProbationVerdict.Revert, (int)verdict);
            UpdateOutcome outcome = probation.Outcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedAppFailed, (int)outcome);
        }

        private static Probation Begun(long startMs)
        {
            Probation probation = new Probation();
            long timeout = probation.TimeoutMs;
            Assert.AreEqual(Probation.DefaultTimeoutMs, timeout);
            probation.Begin(startMs);
            return probation;
        }
    }
}
