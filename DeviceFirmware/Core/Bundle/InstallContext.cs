namespace SecureDevice.Core.Bundle
{
    /// <summary>What the device is and runs, for <see cref="InstallPolicy.Check"/>.</summary>
    public sealed class InstallContext
    {
        /// <summary>Product id of this device.</summary>
        public string Product { get; set; }

        /// <summary>Hardware model of this device.</summary>
        public string HardwareModel { get; set; }

        /// <summary>Version of the loader running on this device.</summary>
        public long LoaderVersion { get; set; }

        /// <summary>Version of the confirmed application, or null when none is installed.</summary>
        public AppVersion CurrentVersion { get; set; }

        /// <summary>Security version of the confirmed application (0 when none).</summary>
        public long CurrentSecurityVersion { get; set; }

        /// <summary>Persisted anti-rollback floor: no bundle below it is ever accepted.</summary>
        public long SecurityFloor { get; set; }

        /// <summary>
        /// Most payload bytes (all files of a bundle) this loader can load, from its <c>BootOptions</c>; 0 means no limit.
        /// The payload stays in the managed heap while the application runs.
        /// </summary>
        public long MaxPayloadBytes { get; set; }
    }
}
