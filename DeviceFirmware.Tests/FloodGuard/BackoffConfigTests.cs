using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class BackoffConfigTests
    {
        [TestMethod]
        public void Validate_EveryBoundMetExactly_Accepted()
        {
            Tightest().Validate();
            BackoffConfig floorAtCap = Tightest();
            floorAtCap.CapMs = 2;
            floorAtCap.FloorMs = 2;
            Raise(floorAtCap, 2);
            floorAtCap.Validate();
        }

        // Each row breaks exactly one bound of the tightest valid configuration; the message names the group.
        [TestMethod]
        [DataRow(0, "BaseMs/FloorMs/CapMs")]
        [DataRow(1, "BaseMs/FloorMs/CapMs")]
        [DataRow(2, "BaseMs/FloorMs/CapMs")]
        [DataRow(3, "BaseMs/FloorMs/CapMs")]
        [DataRow(4, "windows")]
        [DataRow(5, "windows")]
        [DataRow(6, "StableAfterMs")]
        [DataRow(7, "fast phase")]
        [DataRow(8, "fast phase")]
        [DataRow(9, "fast phase")]
        [DataRow(10, "authentication cool-down")]
        [DataRow(11, "authentication cool-down")]
        [DataRow(12, "throttle")]
        [DataRow(13, "throttle")]
        [DataRow(14, "boot loop")]
        [DataRow(15, "boot loop")]
        [DataRow(16, "safe mode")]
        [DataRow(17, "safe mode")]
        public void Validate_OneBoundBroken_ThrowsNamingIt(int bound, string group)
        {
            BackoffConfig config = Tightest();
            switch (bound)
            {
                case 0: config.BaseMs = 0; break;
                case 1: config.FloorMs = 0; break;
                case 2: config.FloorMs = 2; Raise(config, 2); break; // floor above the cap (1)
                case 3: config.BaseMs = 2; break; // base above the cap
                case 4: config.BootWindowMs = -1; break;
                case 5: config.DisconnectWindowMs = -1; break;
                case 6: config.StableAfterMs = 999; break;
                case 7: config.FastPhaseMs = -1; break;
                case 8: config.FastMinMs = 0; break;
                case 9: config.FastMaxMs = 0; break;
                case 10: config.AuthBaseMs = 0; break;
                case 11: config.AuthCapMs = 0; break;
                case 12: config.ThrottleMinMs = 0; break;
                case 13: config.MaxThrottleMs = 0; break;
                case 14: config.BootLoopBoots = 1; break;
                case 15: config.BootLoopWindowSeconds = 0; break;
                case 16: config.SafeMinMs = 0; break;
                default: config.SafeMaxMs = 0; break;
            }

            string message = "(none)";
            try
            {
                config.Validate();
            }
            catch (System.ArgumentException e)
            {
                message = e.Message;
            }

            Assert.AreEqual("invalid backoff configuration: " + group, message);
        }

        // Every bound met with equality: FloorMs = BaseMs = CapMs = 1 and each minimum at its floor.
        private static BackoffConfig Tightest()
        {
            BackoffConfig config = new BackoffConfig();
            config.BaseMs = 1;
            config.FloorMs = 1;
            config.CapMs = 1;
            config.BootWindowMs = 0;
            config.DisconnectWindowMs = 0;
            config.StableAfterMs = 1000;
            config.FastPhaseMs = 0;
            config.BootLoopBoots = 2;
            config.BootLoopWindowSeconds = 1;
            Raise(config, 1);
            return config;
        }

        // The waits bounded below by the floor, all set to value.
        private static void Raise(BackoffConfig config, long value)
        {
            config.FastMinMs = value;
            config.FastMaxMs = value;
            config.AuthBaseMs = value;
            config.AuthCapMs = value;
            config.ThrottleMinMs = value;
            config.MaxThrottleMs = value;
            config.SafeMinMs = value;
            config.SafeMaxMs = value;
        }
    }
}
