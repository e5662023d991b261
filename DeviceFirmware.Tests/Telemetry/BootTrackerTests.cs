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
        public void OnBoot_SequenceOfBoots_GivesTheRightReasons()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Assert.AreEqual((int)BootReason.FirstBoot, (int)Boot(flash, false).Reason);
            Assert.AreEqual((int)BootReason.Unclean, (int)Boot(flash, false).Reason, "no clean shutdown: crash, watchdog or power loss");

            BootTracker tracker = Boot(flash, false);
            tracker.BeforeReboot(BootReason.Update);
            Assert.AreEqual((int)BootReason.Update, (int)Boot(flash, false).Reason);

            tracker = Boot(flash, false);
            tracker.BeforeReboot(BootReason.Revert);
            Assert.AreEqual((int)BootReason.Revert, (int)Boot(flash, false).Reason);

            tracker = Boot(flash, false);
            tracker.BeforeReboot(BootReason.Planned);
            tracker = Boot(flash, false);
            Assert.AreEqual((int)BootReason.Planned, (int)tracker.Reason);

            tracker.BeforeDeepSleep();
            tracker = Boot(flash, true);
            Assert.AreEqual((int)BootReason.DeepSleepWake, (int)tracker.Reason);
            Assert.AreEqual(9, tracker.BootCount);
        }

        [TestMethod]
        public void OnBoot_DamagedRecord_CountsAsFirstBootAndKeepsRunning()
        {
            MemoryFileStore flash = new MemoryFileStore();
            Boot(flash, false);
            flash.Put("state/boot", new byte[] { 1, 2, 3 });
            BootTracker tracker = Boot(flash, false);
            Assert.AreEqual((int)BootReason.FirstBoot, (int)tracker.Reason);
            Assert.AreEqual(1, tracker.BootCount);
        }

        [TestMethod]
        public void BeforeReboot_Misuse_Throws()
        {
            BootTracker tracker = new BootTracker(new MemoryFileStore());
            Assert.ThrowsException(typeof(System.InvalidOperationException), () => tracker.BeforeReboot(BootReason.Planned));
            tracker.OnBoot(false);
            Assert.ThrowsException(typeof(System.ArgumentException), () => tracker.BeforeReboot(BootReason.Unclean));
        }

        private static BootTracker Boot(MemoryFileStore flash, bool deepSleep)
        {
            BootTracker tracker = new BootTracker(flash);
            tracker.OnBoot(deepSleep);
            return tracker;
        }
    }
}
