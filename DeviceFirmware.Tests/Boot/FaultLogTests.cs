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
            Assert.AreEqual((int)FaultCode.MainLoop, (int)after.Code);
            Assert.AreEqual("NullReferenceException: x", after.Detail);
            Assert.AreEqual(1, after.Consecutive);
            Assert.IsTrue(after.Unreported);

            after.MarkReported();
            FaultLog reported = Loaded(flash);
            Assert.IsFalse(reported.Unreported);
            Assert.AreEqual(1, reported.Consecutive);
        }

        [TestMethod]
        public void Record_UntrustedDetail_CleanedAndBounded()
        {
            FaultLog log = Loaded(new MemoryFileStore());
            log.Record(FaultCode.ApplicationFailed, "a\"b\\c\r\n\u00e9\ud83d\ude00" + new string('z', 100));
            string detail = log.Detail;
            Assert.AreEqual(FaultLog.MaxDetailCharacters, detail.Length);
            Assert.AreEqual(0, detail.IndexOf("a\"b\\c?????zz"), detail);
        }

        [TestMethod]
        public void RebootDelayMs_GrowsWithConsecutiveFaults_AndRestartsWhenStable()
        {
            // Full jitter over [1 s, ceiling]: random r gives 1000 + r mod (ceiling - 999).
            FaultLog log = Loaded(new MemoryFileStore());
            log.Record(FaultCode.MainLoop, null);
            Assert.AreEqual(5000L, log.RebootDelayMs(4000));
            Assert.AreEqual(1000L, log.RebootDelayMs(4001));
            for (int i = 0; i < 10; i++)
            {
                log.Record(FaultCode.MainLoop, null);
            }

            Assert.AreEqual(FaultLog.RebootCapMs, log.RebootDelayMs(599000));
            log.MarkStable();
            log.Record(FaultCode.MainLoop, null);
            Assert.AreEqual(1000L, log.RebootDelayMs(4001));
        }

        [TestMethod]
        public void Load_DamagedRecord_MeansNoFault()
        {
            MemoryFileStore flash = new MemoryFileStore();
            flash.Put("state/fault", new byte[] { 1, 2, 3 });
            FaultLog log = Loaded(flash);
            Assert.AreEqual((int)FaultCode.None, (int)log.Code);
            Assert.IsFalse(log.Unreported);
        }

        private static FaultLog Loaded(IFileStore store)
        {
            FaultLog log = new FaultLog(store);
            log.Load();
            return log;
        }
    }
}
