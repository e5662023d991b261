using nanoFramework.TestFramework;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Telemetry
{
    [TestClass]
    public class BootTrackerTests
    {
        [TestMethod]
        public void OnBoot_Sequence_RightReasons()
        {
            MemoryFileStore flash = new MemoryFileStore();
            BootReason reason = Boot(flash, false).Reason;
            Assert.AreEqual((int)BootReason.FirstBoot, (int)reason);
            reason = Boot(flash, false).Reason; // no clean shutdown: crash, watchdog or power loss
            Assert.AreEqual((int)BootReason.Unclean, (int)reason);

            BootTracker tracker = Boot(flash, false);
            tracker.BeforeReboot(BootReason.Update);
            reason = Boot(flash, false).Reason;
            Assert.AreEqual((int)BootReason.Update, (int)reason);

            tracker = Boot(flash, false);
            tracker.BeforeReboot(BootReason.Revert);
            reason = Boot(flash, false).Reason;
            Assert.AreEqual((int)BootReason.Revert, (int)reason);

            tracker = Boot(flash, false);
            tracker.BeforeReboot(BootReason.Planned);
            tracker = Boot(flash, false);
            reason = tracker.Reason;
            Assert.AreEqual((int)BootReason.Planned, (int)reason);

            tracker.BeforeDeepSleep();
            tracker = Boot(flash, true);
            reason = tracker.Reason;
            Assert.AreEqual((int)BootReason.DeepSleepWake, (int)reason);
            Assert.AreEqual(9, tracker.BootCount);
        }

        [TestMethod]
        public void OnBoot_DamagedRecord_FirstBoot()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Boot(flash, false);
            flash.Put("state/boot", new byte[] { 1, 2, 3 });
            BootTracker tracker = Boot(flash, false);
            BootReason reason = tracker.Reason;
            Assert.AreEqual((int)BootReason.FirstBoot, (int)reason);
            Assert.AreEqual(1, tracker.BootCount);
        }

        [TestMethod]
        public void BeforeReboot_Misuse_Throws()
        {
            BootTracker tracker = new BootTracker(new MemoryFileStore());
            System.Action rebootBeforeBoot = () => tracker.BeforeReboot(BootReason.Planned);
            Assert.ThrowsException(typeof(System.InvalidOperationException), rebootBeforeBoot);
            tracker.OnBoot(false);
            System.Action rebootAsUnclean = () => tracker.BeforeReboot(BootReason.Unclean);
            Assert.ThrowsException(typeof(System.ArgumentException), rebootAsUnclean);
        }

        private static BootTracker Boot(MemoryFileStore flash, bool deepSleep)
        {
            BootTracker tracker = new BootTracker(flash);
            tracker.OnBoot(deepSleep);
            return tracker;
        }
    }
}
