using System;

namespace SecureDevice.Platform
{
    /// <summary>
    /// The loader's console lines. <c>Debug.WriteLine</c> is compiled out of Release builds, the ones README deploys, so
    /// these go to <c>Console.WriteLine</c>, which nanoFramework keeps in every build (visible over the debug port when a
    /// tool is attached). What must survive a reboot is not logged but written to the fault record (FaultLog), which the
    /// device reports over MQTT.
    /// </summary>
    internal static class Log
    {
        /// <summary>Writes one line; never throws.</summary>
        internal static void Line(string text)
        {
            try
            {
                Console.WriteLine(text);
            }
            catch (Exception)
            {
                // Nothing to report to.
            }
        }
    }
}
