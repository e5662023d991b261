namespace SecureDevice.Core.Connectivity
{
    /// <summary>Where the connection manager is; reported in telemetry and shown by the demo.</summary>
    public enum ConnectionState
    {
        /// <summary><see cref="ConnectionManager.Start()"/> not called yet.</summary>
        NotStarted = 0,

        /// <summary>No network link.</summary>
        WaitingForNetwork = 1,

        /// <summary>Link up, but no trusted wall-clock time yet (certificate validity cannot be checked without it).</summary>
        WaitingForTime = 2,

        /// <summary>Waiting for the reconnect policy to allow the next attempt.</summary>
        WaitingToRetry = 3,

        /// <summary>Connected, subscribed, "online" published.</summary>
        Connected = 4,
    }
}
