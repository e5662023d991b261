namespace SecureDevice.Core.Connectivity
{
    /// <summary>Connection and traffic counters since boot, read by the health sampler. Plain fields: one owner thread.</summary>
    public sealed class ConnectionCounters
    {
        /// <summary>Connection attempts.</summary>
        public int Attempts;

        /// <summary>Successful connections.</summary>
        public int Connects;

        /// <summary>Connections lost after being established.</summary>
        public int Disconnects;

        /// <summary>Failed attempts: network class.</summary>
        public int FailedNetwork;

        /// <summary>Failed attempts: TLS on the device's side.</summary>
        public int FailedTls;

        /// <summary>Failed attempts: authentication refused by the broker.</summary>
        public int FailedAuthentication;

        /// <summary>Failed attempts: refused by the broker (including "slow down").</summary>
        public int FailedRefused;

        /// <summary>Messages published.</summary>
        public int MessagesUp;

        /// <summary>Messages received.</summary>
        public int MessagesDown;

        /// <summary>Payload bytes published.</summary>
        public long PayloadBytesUp;

        /// <summary>Payload bytes received.</summary>
        public long PayloadBytesDown;

        /// <summary>Topic bytes published (for the on-the-wire estimate).</summary>
        public long TopicBytesUp;

        /// <summary>Topic bytes received.</summary>
        public long TopicBytesDown;

        /// <summary>QoS 1 publishes the broker acknowledged.</summary>
        public int Acknowledged;

        /// <summary>Inbound messages refused by validation (set by the application).</summary>
        public int InboundRejected;
    }
}
