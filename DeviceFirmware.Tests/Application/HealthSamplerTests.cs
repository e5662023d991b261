using nanoFramework.TestFramework;
using SecureDevice.Core.Application;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Text;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Update;

namespace SecureDevice.Tests.Application
{
    [TestClass]
    public class HealthSamplerTests
    {
        private const long Utc = TestConfig.Utc;

        [TestMethod]
        public void Sample_FillsEveryMetric()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            RunningApplication app = new RunningApplication();
            app.Version = new AppVersion(1, 2, 3);
            app.SecurityVersion = 4;
            app.SlotB = true;
            app.Testing = true;
            app.LastUpdateOutcome = UpdateOutcome.Confirmed;
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
        public void Sample_InvalidReadings_OnceAStreak()
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
            // One event per sensor for a repeated identical reading; a different invalid value is news.
            Assert.AreEqual(3, sampler.InvalidReadingEvents);
            sensors.Supply = 70000;
            sampler.Sample(9000, Utc, false);
            Assert.AreEqual(4, sampler.InvalidReadingEvents);
        }

        [TestMethod]
        public void AbsentSensors_GiveNulls()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            sensors.HasSupply = false;
            sensors.HasMemory = false;
            sensors.HasManaged = false;
            sensors.HasRssi = false;
            HealthSampler sampler = Create(sensors, new RunningApplication(), out ConnectionManager connection);
            HealthSnapshot s = sampler.Sample(0, -1, false);
            byte[] buffer = new byte[HealthReport.MaxCborBytes];
            int length = new HealthReport().EncodeCbor(s, buffer, 0, buffer.Length);
            string cbor = Hex.Encode(buffer, 0, length);
            Assert.Contains("0384f6f6f6f6", cbor);
            Assert.Contains("0486f6f6f6f6f6f6", cbor);
            Assert.Contains("0687f6", cbor);
            Assert.AreEqual(0, sampler.InvalidReadings); // absent is not invalid
            long synchronised = s.Flags & HealthFlags.TimeSynchronised;
            Assert.AreEqual(0L, synchronised);
        }

        [TestMethod]
        public void Sample_PowerFields()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            HealthSampler sampler = Create(sensors, new RunningApplication(), out ConnectionManager connection);
            sampler.Load.Calibrate(20000, 200);
            sensors.HasCurrent = true;
            sensors.Iterations = 180000;
            sensors.ProbeMs = 6000;
            HealthSnapshot s = sampler.Sample(300000, Utc, false);
            long value = s.SupplyMilliamps;
            Assert.AreEqual(95L, value);
            value = s.LoadPercent;
            Assert.AreEqual(70L, value);
            bool valid = s.HasHeapTotal;
            Assert.IsTrue(valid);

            // Published: no heap total again this boot; too little measured for a load; 5001 mA is out of range.
            sampler.Commit(300000);
            sensors.Current = 5001;
            s = sampler.Sample(301000, Utc, false);
            valid = s.HasSupplyCurrent || s.HasLoad || s.HasHeapTotal;
            Assert.IsFalse(valid);
            Assert.AreEqual(1, sampler.InvalidReadings);
        }

        [TestMethod]
        public void Minima_IncludeDips()
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
        public void SinceLast_MovesOnCommit()
        {
            HealthSampler sampler = Create(new FakeHealthSource(), new RunningApplication(), out ConnectionManager connection);
            connection.Counters.MessagesUp = 10;
            connection.Counters.PayloadBytesUp = 1000;
            long sinceLast = sampler.Sample(0, Utc, false).MessagesUpSinceLast;
            Assert.AreEqual(10L, sinceLast);
            sinceLast = sampler.Sample(1, Utc, false).MessagesUpSinceLast; // not published: the next report still counts them
            Assert.AreEqual(10L, sinceLast);
            sampler.Commit(1);
            Assert.AreEqual(1L, sampler.Committed);
            connection.Counters.MessagesUp = 13;
            connection.Counters.PayloadBytesUp = 1300;
            HealthSnapshot s = sampler.Sample(2, Utc, false);
            Assert.AreEqual(3L, s.MessagesUpSinceLast);
            Assert.AreEqual(300L, s.BytesUpSinceLast);
            Assert.AreEqual(13L, s.MessagesUp);
        }

        [TestMethod]
        public void CounterWrap_IsUnsigned()
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
        public void CheckAnomaly_OncePerReport()
        {
            FakeHealthSource sensors = new FakeHealthSource();
            HealthSampler sampler = Create(sensors, new RunningApplication(), out ConnectionManager connection);
            bool raised = sampler.CheckAnomaly();
            Assert.IsFalse(raised);
            connection.Counters.InboundRejected = 6;
            raised = sampler.CheckAnomaly();
            Assert.IsTrue(raised);
            raised = sampler.CheckAnomaly(); // raised once until the next report
            Assert.IsFalse(raised);
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

        // The storage faults are published once per boot; the flags say in every report whether the condition still holds.
        [TestMethod]
        public void Sample_StorageConditions_FlaggedWhileTheyHold()
        {
            RunningApplication app = new RunningApplication();
            app.UpdateRecordsUnreadable = true;
            app.FloorRecordLagging = true;
            HealthSampler sampler = Create(new FakeHealthSource(), app, out ConnectionManager connection);
            const long Both = HealthFlags.UpdateRecordsUnreadable | HealthFlags.FloorRecordLagging;
            long flags = sampler.Sample(1000, Utc, false).Flags & Both;
            Assert.AreEqual(Both, flags);
            app.UpdateRecordsUnreadable = false;
            app.FloorRecordLagging = false;
            flags = sampler.Sample(2000, Utc, false).Flags & Both;
            Assert.AreEqual(0L, flags);
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
