namespace SecureDevice.Core.Boot
{
    /// <summary>How a boot ended (<see cref="BootSequence.Run"/>).</summary>
    public enum BootResult
    {
        /// <summary>A verified application is loaded and its entry point started.</summary>
        Running = 0,

        /// <summary>
        /// No application runs this boot: none is installed or verified, or the active slot could not be loaded. The device
        /// still connects, reports and takes the next update.
        /// </summary>
        NoApplication = 1,

        /// <summary>
        /// A candidate failed after some of its assemblies were loaded: the journal has reverted it and the platform must
        /// reboot now (the boot marker is written), because the active slot must never be loaded into a process that holds
        /// part of another slot (types would bind to the first loaded assembly of the same name).
        /// </summary>
        RebootRequired = 2,
    }
}
