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
            Assert.IsTrue(scans.Due(1000));
            scans.OnStarted(1000);
            Assert.IsFalse(scans.Due(600999));
            Assert.IsTrue(scans.Due(601000));
        }

        [TestMethod]
        public void Due_AfterARefusedScan_RetriesSoon()
        {
            // A refused scan must not block signal readings for the whole interval.
            ScanSchedule scans = new ScanSchedule(600000);
            scans.OnRefused(1000);
            Assert.IsFalse(scans.Due(1000 + ScanSchedule.RetryAfterRefusalMs - 1));
            Assert.IsTrue(scans.Due(1000 + ScanSchedule.RetryAfterRefusalMs));
            Assert.AreEqual(1, scans.Refused);
            Assert.AreEqual(0, scans.Started);
        }

        [TestMethod]
        public void Due_ClockWraps_StillSpacesScans()
        {
            ScanSchedule scans = new ScanSchedule(1000);
            scans.OnStarted(long.MaxValue - 10);
            Assert.IsFalse(scans.Due(long.MinValue + 100));
            Assert.IsTrue(scans.Due(long.MinValue + 990));
        }
    }
}
