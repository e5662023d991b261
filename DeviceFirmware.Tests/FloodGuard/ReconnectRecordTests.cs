using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class ReconnectRecordTests
    {
        [TestMethod]
        public void Write_ThenTryRead_EveryFieldBack()
        {
            ReconnectRecord written = Sample();
            RecordWriter writer = new RecordWriter(new byte[ReconnectRecord.MaxSize]);
            written.Write(writer);
            ReconnectRecord read = new ReconnectRecord();
            bool ok = read.TryRead(writer.Buffer, 0, writer.Length);
            Assert.IsTrue(ok);
            Assert.AreEqual(54, writer.Length);
            Assert.AreEqual(3, read.Failures);
            Assert.AreEqual(2, read.AuthenticationFailures);
            Assert.AreEqual(4, read.Boots);
            Assert.AreEqual(1700000000L, read.FirstUnstableBootUtc);
            Assert.IsTrue(read.SafeMode);
            Assert.AreEqual(45000L, read.OwedMs);
            Assert.AreEqual(1700000045L, read.NotBeforeUtc);
            Assert.AreEqual(1700003600L, read.ThrottleUntilUtc);
            Assert.AreEqual(60000L, read.ThrottleIntervalMs);
        }

        [TestMethod]
        [DataRow(0, 2)]       // version 1 only
        [DataRow(1, 0x80)]    // negative failure count
        [DataRow(5, 0x80)]    // negative authentication failures
        [DataRow(9, 0x80)]    // negative boot count
        [DataRow(46, 0x80)]   // negative throttle interval
        [DataRow(22, 0x80)]   // negative wait owed
        public void TryRead_ForeignOrOutOfRange_RefusedAndUnchanged(int index, int value)
        {
            RecordWriter writer = new RecordWriter(new byte[ReconnectRecord.MaxSize]);
            Sample().Write(writer);
            writer.Buffer[index] = (byte)value;
            ReconnectRecord read = new ReconnectRecord();
            bool ok = read.TryRead(writer.Buffer, 0, writer.Length);
            bool truncated = read.TryRead(writer.Buffer, 0, 20);
            Assert.IsFalse(ok);
            Assert.IsFalse(truncated);
            Assert.AreEqual(0, read.Failures);
            Assert.AreEqual(0L, read.OwedMs);
        }

        private static ReconnectRecord Sample()
        {
            ReconnectRecord record = new ReconnectRecord();
            record.Failures = 3;
            record.AuthenticationFailures = 2;
            record.Boots = 4;
            record.FirstUnstableBootUtc = 1700000000;
            record.SafeMode = true;
            record.OwedMs = 45000;
            record.NotBeforeUtc = 1700000045;
            record.ThrottleUntilUtc = 1700003600;
            record.ThrottleIntervalMs = 60000;
            return record;
        }
    }
}
