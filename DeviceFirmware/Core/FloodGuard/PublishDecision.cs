namespace SecureDevice.Core.FloodGuard
{
    /// <summary>What the publish limiter says about a message.</summary>
    public enum PublishDecision
    {
        /// <summary>Publish now.</summary>
        Send = 0,

        /// <summary>Keep it (only the newest of its class) and ask again later.</summary>
        Delay = 1,

        /// <summary>Do not publish; it has been counted as dropped.</summary>
        Drop = 2,
    }
}
