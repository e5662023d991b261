using SecureDevice.Platform;

namespace SecureDevice
{
    /// <summary>Device entry point: the loader and firmware (see Platform/Firmware.cs and docs/update-engine.md).</summary>
    public class Program
    {
        /// <summary>Boots: plan, verify and load the application, then connect, report and take updates. Never returns.</summary>
        public static void Main()
        {
            new Firmware().Run();
        }
    }
}
