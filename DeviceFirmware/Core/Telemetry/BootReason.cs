namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Why the device last booted, as SecureDevice can tell (nanoFramework exposes no ESP32 reset reason). Stable values,
    /// reported in the health report.
    /// </summary>
    public enum BootReason
    {
        /// <summary>Not determined yet.</summary>
        Unknown = 0,

        /// <summary>No boot record existed: first boot after provisioning or after the flash was erased.</summary>
        FirstBoot = 1,

        /// <summary>The firmware rebooted on purpose (command, configuration change).</summary>
        Planned = 2,

        /// <summary>The firmware rebooted to test a newly staged update.</summary>
        Update = 3,

        /// <summary>The loader rebooted back to the previous slot after an update failed its test.</summary>
        Revert = 4,

        /// <summary>
        /// The previous run ended without a clean-shutdown marker: crash, watchdog, brown-out or power loss
        /// (indistinguishable without a hardware reset reason).
        /// </summary>
        Unclean = 5,

        /// <summary>Woken from deep sleep (Sleep.GetWakeupCause on the ESP32).</summary>
        DeepSleepWake = 6,

        /// <summary>
        /// The firmware caught a fault and rebooted (an exception in its main loop): the fault record and the fault
        /// event say which. Counts towards the reboot-loop breaker, unlike the planned reasons.
        /// </summary>
        Fault = 7,
    }
}
