using nanoFramework.TestFramework;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Storage;
using SecureDevice.Doubles;

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

        // The newest code must survive the reboot like the others (Load refuses codes it does not know) and go out by name.
        [TestMethod]
        public void Record_RollbackRefused_ReloadsAndNamed()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Loaded(flash).Record(FaultCode.RollbackRefused, "x");
            FaultCode code = Loaded(flash).Code;
            Assert.AreEqual((int)FaultCode.RollbackRefused, (int)code);
            Assert.AreEqual("rollback-refused", FaultLog.Name(code));
        }

        private static FaultLog Loaded(IFileStore store)
        {
            FaultLog log = new FaultLog(store);
            log.Load();
            return log;
        }
    }
}
