using nanoFramework.TestFramework;
using SecureDevice.Core.Telemetry;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Telemetry
{
    [TestClass]
    public class ReportScheduleTests
    {
        [TestMethod]
        public void Start_BootReportDue()
        {
            ReportSchedule schedule = new ReportSchedule(300);
            bool due = schedule.IsDue(0); // not before Start
            Assert.IsFalse(due);
            schedule.Start(5000);
            due = schedule.IsDue(5000);
            Assert.IsTrue(due);
        }

        [TestMethod]
        public void OnReported_JitterWithinTenPercent()
        {
            // 10,000 reports (about 35 days at 300 s): every interval in [270 s, 330 s], the whole range used, mean ~300 s.
            ReportSchedule schedule = new ReportSchedule(300);
            TestRandom random = new TestRandom(300);
            long now = 0;
            schedule.Start(now);
            long shortest = long.MaxValue;
            long longest = 0;
            long total = 0;
            for (int i = 0; i < 10000; i++)
            {
                long wait = schedule.OnReported(now, random.NextUInt());
                Assert.IsTrue(wait >= 270000 && wait <= 330000, wait.ToString());
                shortest = wait < shortest ? wait : shortest;
                longest = wait > longest ? wait : longest;
                total += wait;
                bool due = schedule.IsDue(now + wait - 1);
                Assert.IsFalse(due);
                now += wait;
                due = schedule.IsDue(now);
                Assert.IsTrue(due);
            }

            Assert.IsTrue(shortest < 271000 && longest > 329000, shortest + ".." + longest);
            long mean = total / 10000;
            Assert.IsTrue(mean > 299000 && mean < 301000, mean.ToString());
        }

        [TestMethod]
        public void RequestNow_DueEarlyAndMarked()
        {
            ReportSchedule schedule = new ReportSchedule(300);
            schedule.Start(0);
            schedule.OnReported(0, 0);
            bool due = schedule.IsDue(1000);
            Assert.IsFalse(due);
            schedule.RequestNow(1000);
            due = schedule.IsDue(1000);
            Assert.IsTrue(due);
            Assert.IsTrue(schedule.Early);
            schedule.OnReported(1000, 0);
            Assert.IsFalse(schedule.Early);
        }

        [TestMethod]
        public void ClockJumps_ScheduleHolds()
        {
            ReportSchedule schedule = new ReportSchedule(300);
            schedule.Start(10000000);
            schedule.OnReported(10000000, 0);

            // Backwards by a day: the next report still comes within one interval of the new "now".
            bool due = schedule.IsDue(10000000 - 86400000);
            Assert.IsFalse(due);
            bool withinInterval = schedule.MillisecondsUntilDue(10000000 - 86400000) <= 300000;
            Assert.IsTrue(withinInterval);

            // Forwards by a day: due at once, and the schedule continues normally.
            due = schedule.IsDue(10000000 + 86400000);
            Assert.IsTrue(due);
            long wait = schedule.OnReported(10000000 + 86400000, 12345);
            withinInterval = wait >= 270000 && wait <= 330000;
            Assert.IsTrue(withinInterval);
        }
    }
}
