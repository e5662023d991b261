using System;
using System.Threading;
using SecureDevice.Platform;

namespace SecureDevice
{
    /// <summary>Device entry point: the loader and firmware (see Platform/Firmware.cs and docs/update-engine.md).</summary>
    public class Program
    {
        /// <summary>
        /// Boots: plan, verify and load the application, then connect, report and take updates. Never returns: an exception
        /// that left Main would make the ESP32 firmware wait for a debugger, so anything the firmware did not handle ends in
        /// a reboot, 30 s later so that a fault in the wiring itself cannot reboot the board in a tight loop.
        /// </summary>
        public static void Main()
        {
            try
            {
                new Firmware().Run();
            }
            catch (Exception)
            {
                // Firmware.Run handles its own faults (the device loop records them); this is the last resort.
            }

            try
            {
                Thread.Sleep(30000);
                Firmware.Reboot(0);
            }
            catch (Exception)
            {
                // Nothing more can be done; the watchdog or a power cycle takes over.
            }

            while (true)
            {
                Thread.Sleep(60000);
            }
        }
    }
}
