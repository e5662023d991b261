using nanoFramework.TestFramework;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Storage;
using SecureDevice.Doubles;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Boot
{
    [TestClass]
    public class FaultLogTests
    {
        [TestMethod]
        public void Record_SurvivesAReboot_UntilReported()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultLog log = Loaded(flash);
            log.Record(FaultCode.MainLoop, "NullReferenceException: x");

            FaultLog after = Loaded(flash);
            FaultCode code = after.Code;
            Assert.AreEqual((int)FaultCode.MainLoop, (int)code);
            string detail = after.Detail;
            Assert.AreEqual("NullReferenceException: x", detail);
            int consecutive = after.Consecutive;
            Assert.AreEqual(1, consecutive);
            bool unreported = after.Unreported;
            Assert.IsTrue(unreported);

            after.MarkReported();
            FaultLog reported = Loaded(flash);
            unreported = reported.Unreported;
            Assert.IsFalse(unreported);
            consecutive = reported.Consecutive;
            Assert.AreEqual(1, consecutive);
        }

        [TestMethod]
        public void Record_UntrustedDetail_CleanedAndBounded()
        {
            FaultLog log = Loaded(new MemoryFileStore());
            log.Record(FaultCode.ApplicationFailed, "a\"b\\c\r\n\u00e9\ud83d\ude00" + new string('z', 100));
            string detail = log.Detail;
            int length = detail.Length;
            Assert.AreEqual(FaultLog.MaxDetailCharacters, length);
            Assert.AreEqual(0, detail.IndexOf("a\"b\\c?????zz"), detail);
        }

        [TestMethod]
        public void RebootDelayMs_GrowsWithConsecutiveFaults_AndRestartsWhenStable()
        {
            // Full jitter over [1 s, ceiling]: random r gives 1000 + r mod (ceiling - 999).
            FaultLog log = Loaded(new MemoryFileStore());
            log.Record(FaultCode.MainLoop, null);
            long delay = log.RebootDelayMs(4000);
            Assert.AreEqual(5000L, delay);
            delay = log.RebootDelayMs(4001);
            Assert.AreEqual(1000L, delay);
            for (int i = 0; i < 10; i++)
            {
                log.Record(FaultCode.MainLoop, null);
            }

            delay = log.RebootDelayMs(599000);
            Assert.AreEqual(FaultLog.RebootCapMs, delay);
            log.MarkStable();
            log.Record(FaultCode.MainLoop, null);
            delay = log.RebootDelayMs(4001);
            Assert.AreEqual(1000L, delay);
        }

        [TestMethod]
        public void Load_DamagedRecord_MeansNoFault()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("state/fault", new byte[] { 1, 2, 3 });
            FaultLog log = Loaded(flash);
            FaultCode code = log.Code;
            Assert.AreEqual((int)FaultCode.None, (int)code);
            bool unreported = log.Unreported;
            Assert.IsFalse(unreported);
        }

        // Load takes only a record it could have written: format 1, a known code, a count of 0 or more, every field, at most
        // 48 characters of detail. Anything else is no fault. The last row (the newest code left after MarkStable, count 0,
        // a full detail) is one it writes: kept.
        [TestMethod]
        [DataRow(2, 1, 1, 1, 0)]
        [DataRow(1, 9, 1, 1, 0)]
        [DataRow(1, 1, -1, 1, 0)]
        [DataRow(1, 1, 1, -1, 0)]
        [DataRow(1, 1, 1, 49, 0)]
        [DataRow(1, 8, 0, 48, 8)]
        public void Load_PlantedRecord_OnlyAWellFormedOneIsAFault(int format, int code, int consecutive, int detail, int expected)
        {
            MemoryFileStore flash = new MemoryFileStore();
            Plant(flash, format, code, consecutive, detail);
            int loaded = (int)Loaded(flash).Code;
            Assert.AreEqual(expected, loaded);
        }

        // An unreadable record is no fault, and Load says why.
        [TestMethod]
        public void Load_RecordUnreadable_NoFaultAndTheFailure()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Loaded(flash).Record(FaultCode.MainLoop, "x");
            FaultyFileStore store = new FaultyFileStore(flash);
            store.FailLengthsPrefix = "state/fault";
            FaultLog log = new FaultLog(store);
            StorageStatus status = log.Load();
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            FaultCode code = log.Code;
            Assert.AreEqual((int)FaultCode.None, (int)code);
            string detail = log.Detail;
            Assert.AreEqual(string.Empty, detail);
        }

        [TestMethod]
        public void Record_CountAtMaximum_Saturates()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Plant(flash, 1, 1, int.MaxValue, 0);
            FaultLog log = Loaded(flash);
            log.Record(FaultCode.MainLoop, null);
            int consecutive = log.Consecutive;
            Assert.AreEqual(int.MaxValue, consecutive);
        }

        [TestMethod]
        public void Record_EdgeCharacters_TildeKeptDelReplacedNullEmpty()
        {
            FaultLog log = Loaded(new MemoryFileStore());
            log.Record(FaultCode.MainLoop, null);
            string detail = log.Detail;
            Assert.AreEqual(string.Empty, detail);
            log.Record(FaultCode.MainLoop, " ~\u007f");
            detail = log.Detail;
            Assert.AreEqual(" ~?", detail);
        }

        // The save failed, but the fault stays in memory and is still reported this run; the failure is counted.
        [TestMethod]
        public void Record_SaveFails_CountedAndKeptInMemory()
        {
            FaultyFileStore store = new FaultyFileStore(new MemoryFileStore());
            store.FailPrefix = "state/fault";
            FaultLog log = Loaded(store);
            StorageStatus status = log.Record(FaultCode.ConfigInvalid, "x");
            Assert.AreEqual((int)StorageStatus.IoError, (int)status);
            int failures = log.PersistFailures;
            Assert.AreEqual(1, failures);
            bool unreported = log.Unreported;
            Assert.IsTrue(unreported);
        }

        // Flash cost: nothing to change, nothing written.
        [TestMethod]
        public void MarkReportedAndMarkStable_NothingToChange_WriteNothing()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultLog log = Loaded(flash);
            log.MarkReported();
            log.MarkStable();
            int writes = flash.MutationCount;
            Assert.AreEqual(0, writes);
        }

        [TestMethod]
        public void Record_NoneOrBeforeLoad_Throws()
        {
            FaultLog log = new FaultLog(new MemoryFileStore());
            System.Action early = () => log.Record(FaultCode.MainLoop, "x");
            Assert.AreEqual("call Load first", Message(early));
            log.Load();
            System.Action none = () => log.Record(FaultCode.None, "x");
            Assert.AreEqual("code", ThrownArgument.Name(none));
            Assert.IsTrue(Message(none).IndexOf("not None") >= 0);
        }

        // A log not loaded yet still has an empty detail, never null.
        [TestMethod]
        public void Constructor_NullStore_ThrowsNamingIt()
        {
            System.Action noStore = () => new FaultLog(null);
            Assert.AreEqual("store", ThrownArgument.Name(noStore));
            string detail = new FaultLog(new MemoryFileStore()).Detail;
            Assert.AreEqual(string.Empty, detail);
        }

        // The names are the fault event's "code" (docs/telemetry.md) and what the service matches on.
        [TestMethod]
        public void Name_EachCode_TheDocumentedName()
        {
            string names = string.Empty;
            for (int code = 0; code <= (int)FaultCode.FloorSaveFailed; code++)
            {
                names += FaultLog.Name((FaultCode)code) + " ";
            }

            Assert.AreEqual("none main-loop load-failed config-invalid application-failed out-of-memory rollback-refused floor-unknown floor-save-failed ", names);
        }

        // A code added later must survive the reboot like the others (Load refuses codes it does not know) and go out by name.
        [TestMethod]
        public void Record_RollbackRefused_ReloadsAndNamed()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Loaded(flash).Record(FaultCode.RollbackRefused, "x");
            FaultCode code = Loaded(flash).Code;
            Assert.AreEqual((int)FaultCode.RollbackRefused, (int)code);
            Assert.AreEqual("rollback-refused", FaultLog.Name(code));
        }

        // Failing flash must fill neither the record nor the uplink: no failure records nothing, the first failure of a boot
        // is recorded (and reloads by name), a later one of the same boot nothing more.
        [TestMethod]
        public void NoteFloorSaveFailures_SecondOfABoot_RecordedOnce()
        {
            MemoryFileStore flash = new MemoryFileStore();
            FaultLog log = Loaded(flash);
            log.NoteFloorSaveFailures(0);
            int writes = flash.MutationCount;
            Assert.AreEqual(0, writes);
            log.NoteFloorSaveFailures(1);
            log.MarkReported();
            log.NoteFloorSaveFailures(2);

            FaultLog after = Loaded(flash);
            Assert.AreEqual("floor-save-failed", FaultLog.Name(after.Code));
            int count = after.Consecutive;
            Assert.AreEqual(1, count);
            bool unreported = after.Unreported;
            Assert.IsFalse(unreported);
        }

        // An unreported fault says more (a crash, a load failure): the floor-save failure waits until it was reported.
        [TestMethod]
        public void NoteFloorSaveFailures_UnreportedFault_WaitsForItsReport()
        {
            FaultLog log = Loaded(new MemoryFileStore());
            log.Record(FaultCode.LoadFailed, "x");
            log.NoteFloorSaveFailures(1);
            FaultCode code = log.Code;
            Assert.AreEqual((int)FaultCode.LoadFailed, (int)code);
            log.MarkReported();
            log.NoteFloorSaveFailures(1);
            code = log.Code;
            Assert.AreEqual((int)FaultCode.FloorSaveFailed, (int)code);
        }

        // Writes a fault record as FaultLog would, field by field: detail characters of 'x', or (-1) the record cut after the count.
        private static void Plant(IFileStore store, int format, int code, int consecutive, int detail)
        {
            RecordWriter writer = new RecordWriter(new byte[64]);
            writer.WriteByte(format);
            writer.WriteByte(code);
            writer.WriteInt32(consecutive);
            if (detail >= 0)
            {
                writer.WriteBoolean(true);
                writer.WriteAscii(new string('x', detail));
            }

            RecordStore record = new RecordStore(store, "state/fault", 64);
            bool found;
            record.Load(out found);
            record.Save(writer.Buffer, 0, writer.Length);
        }

        // The message of what action throws ("(none)" when it throws nothing).
        private static string Message(System.Action action)
        {
            try
            {
                action();
            }
            catch (System.Exception e)
            {
                return e.Message;
            }

            return "(none)";
        }

        private static FaultLog Loaded(IFileStore store)
        {
            FaultLog log = new FaultLog(store);
            log.Load();
            return log;
        }
    }
}
