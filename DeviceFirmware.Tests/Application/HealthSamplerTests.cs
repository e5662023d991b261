using nanoFramework.TestFramework;
using SecureDevice.Core.Application;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;
using SecureDevice.Core.Boot;

namespace SecureDevice.Tests.Application
{
    [TestClass]
    public class HealthSamplerTests
    {
        private const long Utc = TestConfig.Utc;

        [TestMethod]
        public void Sample_FillsEveryMetricFromItsSource()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            RunningApplication app = new RunningApplication();
            app.Version = new AppVersion(1, 2, 3);
            app.SecurityVersion = 4;
            app.SlotB = true;
            app.Testing = true;
            app.LastUpdateOutcome = 1;
            HealthSampler sampler = Create(sensors, app, out ConnectionManager connection);
            connection.Counters.Attempts = 3;
            connection.Counters.FailedTls = 2;
            connection.Counters.MessagesUp = 5;
            connection.Counters.PayloadBytesUp = 4096;
            HealthSnapshot s = sampler.Sample(3600000, Utc, false);
            Assert.AreEqual(3600L, s.UptimeSeconds);
            Assert.AreEqual(1L, s.BootCount);
            Assert.AreEqual((int)BootReason.FirstBoot, s.BootReason);
            Assert.AreEqual(3300L, s.SupplyMillivolts);
            Assert.IsFalse(s.HasTemperature);
            Assert.AreEqual(290L, s.HeapTotalKiB);
            Assert.AreEqual(180L, s.HeapFreeKiB);
            Assert.AreEqual(100L, s.HeapLargestKiB);
            Assert.AreEqual(110L, s.ManagedFreeKiB);
            Assert.AreEqual(-61L, s.Rssi);
            Assert.AreEqual(3L, s.Attempts);
            Assert.AreEqual(2L, s.FailedTls);
            Assert.AreEqual(5L, s.MessagesUp);
            Assert.AreEqual(4L, s.PayloadUpKiB);
            Assert.AreEqual(4096L, s.BytesUpSinceLast);
            Assert.AreEqual(2L, s.VersionMinor);
            Assert.AreEqual(4L, s.SecurityVersion);
            Assert.AreEqual(730L, s.CertificateDays);
            Assert.AreEqual(1L, s.UpdateOutcome);
            long expectedFlags = HealthFlags.TimeSynchronised | HealthFlags.SlotB | HealthFlags.Testing;
            Assert.AreEqual(expectedFlags, s.Flags);
        }

        [TestMethod]
        public void Sample_InvalidReadings_AreAbsentCountedAndNewsOncePerStreak()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            HealthSampler sampler = Create(sensors, new RunningApplication(), out ConnectionManager connection);
            sensors.Supply = 65535;
            sensors.Rssi = 31;
            sensors.Free = sensors.Total + 1;
            for (int i = 0; i < 5; i++)
            {
                HealthSnapshot s = sampler.Sample(i * 1000, Utc, false);
                Assert.IsFalse(s.HasSupply);
                Assert.IsFalse(s.HasRssi);
                Assert.IsFalse(s.HasNativeMemory);
            }

            Assert.AreEqual(15, sampler.InvalidReadings);
            Assert.AreEqual(3, sampler.InvalidReadingEvents, "one event per sensor for a repeated identical reading");
            sensors.Supply = 70000;
            sampler.Sample(9000, Utc, false);
            Assert.AreEqual(4, sampler.InvalidReadingEvents, "a different invalid value is news");
        }

        [TestMethod]
        public void AbsentSensors_GiveNullsNotErrors()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            sensors.HasSupply = false;
            sensors.HasMemory = false;
            sensors.HasManaged = false;
            sensors.HasRssi = false;
            HealthSampler sampler = Create(sensors, new RunningApplication(), out ConnectionManager connection);
            HealthSnapshot s = sampler.Sample(0, -1, false);
            byte[] buffer = new byte[HealthReport.MaxJsonBytes];
            int length = new HealthReport().EncodeJson(s, buffer, 0, buffer.Length);
            string json = new string(System.Text.Encoding.UTF8.GetChars(buffer, 0, length));
            Assert.Contains("\"p\":[null,null]", json);
            Assert.Contains("\"m\":[null,null,null,null,null,null]", json);
            Assert.Contains("\"c\":[null,", json);
            Assert.AreEqual(0, sampler.InvalidReadings, "absent is not invalid");
            long synchronised = s.Flags & HealthFlags.TimeSynchronised;
            Assert.AreEqual(0L, synchronised);
        }

        [TestMethod]
        public void MinimaSinceBoot_IncludeDipsBetweenReports()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            HealthSampler sampler = Create(sensors, new RunningApplication(), out ConnectionManager connection);
            sensors.Free = 40 * 1024;
            sensors.Largest = 20 * 1024;
            sampler.Observe(10000);
            sensors.Free = 150 * 1024;
            HealthSnapshot s = sampler.Sample(20000, Utc, false);
            Assert.AreEqual(150L, s.HeapFreeKiB);
            Assert.AreEqual(40L, s.HeapFreeMinKiB);
        }

        [TestMethod]
        public void SinceLast_MovesOnlyWhenAReportIsCommitted()
        {
            HealthSampler sampler = Create(new FakeHealthSource(), new RunningApplication(), out ConnectionManager connection);
            connection.Counters.MessagesUp = 10;
            connection.Counters.PayloadBytesUp = 1000;
            long sinceLast = sampler.Sample(0, Utc, false).MessagesUpSinceLast;
            Assert.AreEqual(10L, sinceLast);
            Assert.AreEqual(10L, sampler.Sample(1, Utc, false).MessagesUpSinceLast, "not published: the next report still counts them");
            sampler.Commit(1);
            Assert.AreEqual(1L, sampler.Committed);
            connection.Counters.MessagesUp = 13;
            connection.Counters.PayloadBytesUp = 1300;
            HealthSnapshot s = sampler.Sample(2, Utc, false);
            Assert.AreEqual(3L, s.MessagesUpSinceLast);
            Assert.AreEqual(300L, s.BytesUpSinceLast);
            Assert.AreEqual(13L, s.MessagesUp);
            Assert.IsTrue(s.WireBytesSinceLast > 300);
        }

        [TestMethod]
        public void CounterWrap_IsReportedAsUnsignedAndNeverNegative()
        {
            HealthSampler sampler = Create(new FakeHealthSource(), new RunningApplication(), out ConnectionManager connection);
            connection.Counters.MessagesUp = int.MaxValue;
            sampler.Sample(0, Utc, false);
            sampler.Commit(0);
            connection.Counters.MessagesUp = unchecked(int.MaxValue + 3);
            HealthSnapshot s = sampler.Sample(1, Utc, false);
            Assert.AreEqual(2147483650L, s.MessagesUp);
            Assert.AreEqual(3L, s.MessagesUpSinceLast);
        }

        [TestMethod]
        public void CheckAnomaly_LowMemoryOrJumpingCountersRaiseOncePerReport()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            HealthSampler sampler = Create(sensors, new RunningApplication(), out ConnectionManager connection);
            bool raised = sampler.CheckAnomaly();
            Assert.IsFalse(raised);
            connection.Counters.InboundRejected = 6;
            raised = sampler.CheckAnomaly();
            Assert.IsTrue(raised);
            Assert.IsFalse(sampler.CheckAnomaly(), "raised once until the next report");
            sampler.Sample(0, Utc, true);
            sampler.Commit(0);
            raised = sampler.CheckAnomaly();
            Assert.IsFalse(raised);
            sensors.Free = 10 * 1024;
            sensors.Largest = 8 * 1024;
            sampler.Observe(1000);
            raised = sampler.CheckAnomaly();
            Assert.IsTrue(raised);
            HealthSnapshot s = sampler.Sample(2000, Utc, true);
            long flags = s.Flags & (HealthFlags.Anomaly | HealthFlags.LowMemory);
            Assert.AreEqual((long)(HealthFlags.Anomaly | HealthFlags.LowMemory), flags);
        }

        private static HealthSampler Create(FakeHealthSource sensors, RunningApplication app, out ConnectionManager connection)
        {
            MemoryFileStore flash = new MemoryFileStore();
            connection = new ConnectionManager(TestConfig.Create("dev-001"), new ScriptedTransport(), new ReconnectPolicy(new BackoffConfig()), flash);
            BootTracker boot = new BootTracker(flash);
            boot.OnBoot(false);
            HealthSampler sampler = new HealthSampler(sensors, connection, new PublishLimiter(), boot, app);
            sampler.Start(0);
            return sampler;
        }
    }
}
