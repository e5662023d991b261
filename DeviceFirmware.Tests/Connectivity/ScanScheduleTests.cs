using nanoFramework.TestFramework;
using SecureDevice.Core.Connectivity;

namespace SecureDevice.Tests.Connectivity
{
    [TestClass]
    public class ScanScheduleTests
    {
        [TestMethod]
        public void Due_AfterAStartedScan_WaitsTheInterval()
        {
            ScanSchedule scans = new ScanSchedule(600000);
            bool due = scans.Due(1000);
            Assert.IsTrue(due);
            scans.OnStarted(1000);
            due = scans.Due(600999);
            Assert.IsFalse(due);
            due = scans.Due(601000);
            Assert.IsTrue(due);
        }

        [TestMethod]
        public void Due_AfterARefusedScan_RetriesSoon()
        {
            // A refused scan must not block signal readings for the whole interval.
            ScanSchedule scans = new ScanSchedule(600000);
            scans.OnRefused(1000);
            bool due = scans.Due(1000 + ScanSchedule.RetryAfterRefusalMs - 1);
            Assert.IsFalse(due);
            due = scans.Due(1000 + ScanSchedule.RetryAfterRefusalMs);
            Assert.IsTrue(due);
            int refused = scans.Refused;
            Assert.AreEqual(1, refused);
            int started = scans.Started;
            Assert.AreEqual(0, started);
        }

        [TestMethod]
        public void Due_ClockWraps_StillSpacesScans()
        {
            ScanSchedule scans = new ScanSchedule(1000);
            scans.OnStarted(long.MaxValue - 10);
            bool due = scans.Due(long.MinValue + 100);
            Assert.IsFalse(due);
            due = scans.Due(long.MinValue + 990);
            Assert.IsTrue(due);
        }
    }
}
