namespace SecureDevice.Core.Connectivity
{
    /// <summary>What the transport sends in CONNECT. The broker endpoint and TLS identity belong to the transport itself.</summary>
    public sealed class MqttConnectOptions
    {
        /// <summary>Client id: the device id (the broker forces it to the certificate CN anyway).</summary>
        public string ClientId { get; set; }

        /// <summary>Keep-alive in seconds.</summary>
        public int KeepAliveSeconds { get; set; }

        /// <summary>Last-will topic.</summary>
        public string WillTopic { get; set; }

        /// <summary>Last-will payload (ASCII).</summary>
        public string WillMessage { get; set; }

        /// <summary>Last-will QoS (0 or 1).</summary>
        public int WillQos { get; set; }

        /// <summary>Whether the will is retained.</summary>
        public bool WillRetain { get; set; }

        /// <summary>Start with a clean session.</summary>
        public bool CleanSession { get; set; }
    }
}
