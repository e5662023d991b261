namespace SecureDevice.Core.Config
{
    /// <summary>
    /// The device's configuration, written by <c>securedevice provision</c> and deployed by nanoff to I:\securedevice\config.json.
    /// Instances come from <see cref="DeviceConfigParser"/>, which enforces every range and character set.
    /// </summary>
    public sealed class DeviceConfig
    {
        /// <summary>The only config format this firmware reads.</summary>
        public const int FormatVersion = 1;

        /// <summary>Device id (one MQTT topic level; the certificate's CN).</summary>
        public string DeviceId { get; internal set; }

        /// <summary>Product id, compared with update manifests.</summary>
        public string Product { get; internal set; }

        /// <summary>Hardware model, compared with update manifests.</summary>
        public string Hardware { get; internal set; }

        /// <summary>Broker host name or IP address; the broker certificate must match it.</summary>
        public string BrokerHost { get; internal set; }

        /// <summary>Broker TLS port.</summary>
        public int BrokerPort { get; internal set; }

        /// <summary>Topic prefix (the broker ACL's first level, normally "devices").</summary>
        public string TopicPrefix { get; internal set; }

        /// <summary>Health report interval, seconds (60..86400).</summary>
        public int TelemetryIntervalSeconds { get; internal set; }

        /// <summary>MQTT keep-alive, seconds (10..600).</summary>
        public int KeepAliveSeconds { get; internal set; }

        /// <summary>Health reports in CBOR (true, the default) or compact JSON ("telemetryFormat").</summary>
        public bool TelemetryCbor { get; internal set; }

        /// <summary>The device certificate's notAfter, Unix seconds.</summary>
        public long CertificateNotAfterUtc { get; internal set; }
    }
}
