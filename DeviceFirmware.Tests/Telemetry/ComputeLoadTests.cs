using nanoFramework.TestFramework;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Tests.Telemetry
{
    [TestClass]
    public class ComputeLoadTests
    {
        [TestMethod]
        public void Percent_MeanSinceCommit()
        {
            ComputeLoad load = new ComputeLoad();
            load.Calibrate(50000, 500);
            int percent = load.Percent(75000, 1000, 300000);
            Assert.AreEqual(25, percent);
            load.Commit();
            percent = load.Percent(251000, 3000, 300000);
            Assert.AreEqual(12, percent);
            percent = load.Percent(251001, 3000, 300000);
            Assert.AreEqual(12, percent);
        }

        [TestMethod]
        public void Calibrate_FastestWins()
        {
            ComputeLoad load = new ComputeLoad();
            bool valid = load.Calibrate(90000, 199);
            Assert.IsFalse(valid);
            valid = load.Calibrate(150, 200);
            Assert.IsFalse(valid);
            load.Calibrate(20000, 200);
            load.Calibrate(18000, 200);
            long idle = load.IdleRate;
            Assert.AreEqual(100000L, idle);
            int percent = load.Percent(120000, 1000, 2000);
            Assert.AreEqual(0, percent);
            idle = load.IdleRate;
            Assert.AreEqual(120000L, idle);
        }

        [TestMethod]
        public void Percent_Invalid_IsAbsent()
        {
            ComputeLoad load = new ComputeLoad();
            int percent = load.Percent(5000, 2000, 2000);
            Assert.AreEqual(-1, percent);
            load.Calibrate(20000, 200);
            percent = load.Percent(5000, 999, 2000);
            Assert.AreEqual(-1, percent);
            percent = load.Percent(5000, 9000, 2000);
            Assert.AreEqual(-1, percent);
        }

        [TestMethod]
        public void Percent_Wraps_StaysExact()
        {
            ComputeLoad load = new ComputeLoad();
            load.Calibrate(20000, 200);
            load.Percent(int.MaxValue - 9999, int.MaxValue - 499, long.MaxValue / 2);
            load.Commit();
            int percent = load.Percent(unchecked(int.MaxValue + 40001), unchecked(int.MaxValue + 501), 1000);
            Assert.AreEqual(50, percent);
        }
    }
}
