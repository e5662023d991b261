namespace SecureDevice.Core.Boot
{
    /// <summary>What the runtime answered when asked to load an assembly or start the entry point (<see cref="IApplicationRuntime"/>).</summary>
    public enum ApplicationStart
    {
        /// <summary>Loaded (for <see cref="IApplicationRuntime.Load"/>) or started on its own thread (for <see cref="IApplicationRuntime.Start"/>).</summary>
        Started = 0,

        /// <summary>The manifest's entry type or method is not in the loaded entry assembly (or is not public static and parameterless).</summary>
        EntryMissing = 1,

        /// <summary>The runtime refused the image (bad format, missing dependency) or a static constructor threw while it loaded.</summary>
        Threw = 2,

        /// <summary>The runtime ran out of memory loading the image or starting the entry point.</summary>
        OutOfMemory = 3,
    }
}
