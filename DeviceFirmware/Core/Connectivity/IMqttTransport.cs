namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// The MQTT connection as the core needs it. The adapter owns the socket, TLS (the device certificate and the pinned
    /// broker CA are its configuration), threads and buffers: nanoFramework's M2Mqtt on the device, an SslStream-based
    /// MQTT 3.1.1 client for virtual devices. Calls may block up to the transport's timeouts. Inbound messages and
    /// acknowledgements wait in bounded queues inside the adapter (full means drop and count, never growth) until polled.
    /// </summary>
    public interface IMqttTransport
    {
        /// <summary>True while the connection is up (CONNACK accepted and not lost since).</summary>
        bool IsConnected { get; }

        /// <summary>Messages the adapter had to drop because its inbound queue was full, since it was created.</summary>
        int InboundDropped { get; }

        /// <summary>Opens TCP and TLS to the broker and sends CONNECT; fills <paramref name="result"/> (classified failure or success).</summary>
        void Connect(MqttConnectOptions options, ConnectResult result);

        /// <summary>Subscribes with QoS 1 and waits for SUBACK.</summary>
        TransportStatus Subscribe(string topicFilter);

        /// <summary>Publishes <c>payload[offset, +count)</c>; for QoS 1 <paramref name="messageId"/> identifies the coming acknowledgement.</summary>
        TransportStatus Publish(string topic, byte[] payload, int offset, int count, int qos, bool retain, out int messageId);

        /// <summary>Copies the next received message into <paramref name="message"/>; false when there is none.</summary>
        bool TryReceive(InboundMessage message);

        /// <summary>Takes the id of the next QoS 1 publish the broker acknowledged; false when there is none.</summary>
        bool TryTakeAcknowledged(out int messageId);

        /// <summary>Sends DISCONNECT (the will is discarded) and closes.</summary>
        void Disconnect();
    }
}
