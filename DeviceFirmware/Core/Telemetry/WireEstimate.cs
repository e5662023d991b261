namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Estimated bytes on the wire for MQTT messages over TLS over TCP/IPv4, for the health report and the bytes-per-day
    /// figures. Per message: the MQTT fixed header (2 bytes; 3 once the remaining length passes 127), the 2-byte topic
    /// length and the topic, 2 bytes of packet id for QoS 1, the payload; one TLS record (5 header + 8 explicit nonce + 16
    /// tag for TLS 1.2 AES-GCM = 29); one TCP/IP segment (20 IPv4 + 32 TCP with timestamps = 52); for QoS 1 the PUBACK
    /// in the other direction (4 + 29 + 52) and the two pure TCP acknowledgements (52 each).
    /// </summary>
    public static class WireEstimate
    {
        /// <summary>TLS record overhead per record, bytes.</summary>
        public const int TlsRecord = 29;

        /// <summary>IPv4 + TCP header with timestamps, bytes.</summary>
        public const int TcpIp = 52;

        /// <summary>A QoS 1 acknowledgement: PUBACK in its own TLS record and segment, plus a pure TCP ACK.</summary>
        public const int Qos1Acknowledgement = 4 + TlsRecord + TcpIp + TcpIp;

        /// <summary>Bytes on the wire for one QoS 1 publish of <paramref name="payloadBytes"/> to a topic of <paramref name="topicBytes"/>, both directions.</summary>
        public static long Qos1Publish(long topicBytes, long payloadBytes)
        {
            long remaining = 2 + topicBytes + 2 + payloadBytes;
            long fixedHeader = remaining < 128 ? 2 : remaining < 16384 ? 3 : 4;
            return fixedHeader + remaining + TlsRecord + TcpIp + TcpIp + Qos1Acknowledgement;
        }

        /// <summary>Bytes on the wire for <paramref name="messages"/> QoS 1 messages carrying the given topic and payload byte totals.</summary>
        public static long Qos1Messages(long messages, long topicBytes, long payloadBytes)
        {
            if (messages <= 0)
            {
                return 0;
            }

            // Fixed headers are 2 or 3 bytes; 3 is assumed for all (the reports and offers are longer than 127 bytes).
            return (messages * (3 + 2 + 2 + TlsRecord + TcpIp + TcpIp + Qos1Acknowledgement)) + topicBytes + payloadBytes;
        }

        /// <summary>Keep-alive traffic per period: PINGREQ and PINGRESP, each in a TLS record and segment, plus one TCP ACK.</summary>
        public static long KeepAlivePerPeriod
        {
            get { return 2 * (2 + TlsRecord + TcpIp) + TcpIp; }
        }
    }
}
