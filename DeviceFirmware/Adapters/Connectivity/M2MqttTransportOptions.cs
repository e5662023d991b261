using System;
using nanoFramework.M2Mqtt;

namespace SecureDevice.Adapters.Connectivity
{
    /// <summary>The board's settings for <see cref="M2MqttTransport"/>, named rather than positional. Defaults suit an ESP32 without PSRAM.</summary>
    public sealed class M2MqttTransportOptions
    {
        /// <summary>The defaults: TLS 1.2, 8 inbound messages, 32 acknowledgements, 16 QoS 1 messages in flight, 10 s for a SUBACK.</summary>
        public M2MqttTransportOptions()
        {
            Protocol = MqttSslProtocols.TLSv1_2;
            InboundCapacity = 8;
            AcknowledgementCapacity = 32;
            InflightCapacity = 16;
            SubscribeTimeoutMilliseconds = 10000;
        }

        /// <summary>TLS version: TLS 1.2, or TLS 1.3 on firmware built with it.</summary>
        public MqttSslProtocols Protocol { get; set; }

        /// <summary>Received messages kept until polled (1 .. 256); more are dropped and counted.</summary>
        public int InboundCapacity { get; set; }

        /// <summary>Acknowledged message ids kept until polled (1 .. 1024); more are dropped.</summary>
        public int AcknowledgementCapacity { get; set; }

        /// <summary>QoS 1 messages that may await their PUBACK at once (1 .. 64); beyond it a publish answers Busy.</summary>
        public int InflightCapacity { get; set; }

        /// <summary>How long a subscription waits for its SUBACK, ms (1 .. 60 000).</summary>
        public int SubscribeTimeoutMilliseconds { get; set; }

        /// <summary>Throws when a value is out of its range (a wiring bug).</summary>
        public void Validate()
        {
            if (InboundCapacity < 1 || InboundCapacity > 256 || AcknowledgementCapacity < 1 || AcknowledgementCapacity > 1024
                || InflightCapacity < 1 || InflightCapacity > 64 || SubscribeTimeoutMilliseconds < 1 || SubscribeTimeoutMilliseconds > 60000)
            {
                throw new ArgumentOutOfRangeException("options");
            }
        }
    }
}
