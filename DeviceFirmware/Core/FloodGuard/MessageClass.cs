namespace SecureDevice.Core.FloodGuard
{
    /// <summary>Kinds of outgoing messages, each with its own publish budget.</summary>
    public enum MessageClass
    {
        /// <summary>Health reports (devices/{id}/up/health): delayed when over budget, the newest kept.</summary>
        Telemetry = 0,

        /// <summary>Events (errors, update outcomes, status): dropped when over budget.</summary>
        Event = 1,

        /// <summary>Update progress: dropped when over budget (a later progress message supersedes it).</summary>
        UpdateProgress = 2,
    }
}
