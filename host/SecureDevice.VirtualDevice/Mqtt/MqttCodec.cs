using System;
using System.IO;
using System.Text;

namespace SecureDevice.VirtualDevice.Mqtt;

/// <summary>
/// Encodes the packets a device sends and decodes, strictly, the packets a broker sends, per the OASIS MQTT 3.1.1
/// specification. Decoding rejects reserved flag bits, wrong lengths, QoS 2/3, wildcard or invalid UTF-8 topics,
/// packet id 0, oversized packets and packet types a server never sends to a client.
/// </summary>
public static class MqttCodec
{
    /// <summary>Largest packet accepted from the broker (the reference broker's max_packet_size is 16 KB).</summary>
    public const int DefaultMaxPacket = 16 * 1024 + 512;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>CONNECT (§3.1): protocol "MQTT" level 4, optional will, no user name or password (identity is the TLS certificate).</summary>
    public static byte[] Connect(string clientId, int keepAliveSeconds, bool cleanSession, string? willTopic, byte[]? willMessage, int willQos, bool willRetain)
    {
        if (keepAliveSeconds < 0 || keepAliveSeconds > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(keepAliveSeconds));
        }

        var body = new MemoryStream();
        WriteString(body, "MQTT");
        body.WriteByte(4);
        int flags = cleanSession ? 0x02 : 0;
        if (willTopic != null)
        {
            if (willQos is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(willQos));
            }

            flags |= 0x04 | (willQos << 3) | (willRetain ? 0x20 : 0);
        }

        body.WriteByte((byte)flags);
        body.WriteByte((byte)(keepAliveSeconds >> 8));
        body.WriteByte((byte)keepAliveSeconds);
        WriteString(body, clientId);
        if (willTopic != null)
        {
            WriteTopic(body, willTopic);
            WriteBinary(body, willMessage ?? Array.Empty<byte>());
        }

        return Frame(0x10, body);
    }

    /// <summary>PUBLISH (§3.3) with QoS 0 or 1.</summary>
    public static byte[] Publish(string topic, ReadOnlySpan<byte> payload, int qos, bool retain, int packetId)
    {
        if (qos is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(qos));
        }

        if (qos == 1 && packetId is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(packetId));
        }

        var body = new MemoryStream();
        WriteTopic(body, topic);
        if (qos == 1)
        {
            body.WriteByte((byte)(packetId >> 8));
            body.WriteByte((byte)packetId);
        }

        body.Write(payload);
        return Frame(0x30 | (qos << 1) | (retain ? 1 : 0), body);
    }

    /// <summary>PUBACK (§3.4).</summary>
    public static byte[] PubAck(int packetId) => new byte[] { 0x40, 0x02, (byte)(packetId >> 8), (byte)packetId };

    /// <summary>SUBSCRIBE (§3.8) of one filter at the requested QoS.</summary>
    public static byte[] Subscribe(int packetId, string topicFilter, int qos)
    {
        if (packetId is < 1 or > 65535 || qos is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(packetId));
        }

        var body = new MemoryStream();
        body.WriteByte((byte)(packetId >> 8));
        body.WriteByte((byte)packetId);
        WriteString(body, topicFilter);
        body.WriteByte((byte)qos);
        return Frame(0x82, body);
    }

    /// <summary>PINGREQ (§3.12).</summary>
    public static byte[] PingReq() => new byte[] { 0xC0, 0x00 };

    /// <summary>DISCONNECT (§3.14).</summary>
    public static byte[] Disconnect() => new byte[] { 0xE0, 0x00 };

    /// <summary>
    /// Reads one whole packet from <paramref name="stream"/> and decodes it strictly.
    /// </summary>
    /// <exception cref="EndOfStreamException">The stream ended (the broker closed the connection).</exception>
    /// <exception cref="MqttProtocolException">The packet breaks MQTT 3.1.1.</exception>
    public static MqttPacket Read(Stream stream, int maxPacket = DefaultMaxPacket)
    {
        int first = ReadByte(stream);
        int remaining = 0;
        int multiplier = 1;
        int lengthBytes = 0;
        while (true)
        {
            int digit = ReadByte(stream);
            lengthBytes++;
            remaining += (digit & 0x7F) * multiplier;
            if ((digit & 0x80) == 0)
            {
                break;
            }

            if (lengthBytes == 4)
            {
                throw new MqttProtocolException("remaining length longer than 4 bytes");
            }

            multiplier *= 128;
        }

        if (lengthBytes > 1 && remaining < (1 << (7 * (lengthBytes - 1))))
        {
            throw new MqttProtocolException("remaining length not minimally encoded");
        }

        if (remaining > maxPacket)
        {
            throw new MqttProtocolException("packet of " + remaining + " bytes exceeds the limit of " + maxPacket);
        }

        byte[] body = new byte[remaining];
        ReadExactly(stream, body);
        return Decode(first, body, 1 + lengthBytes + remaining);
    }

    /// <summary>Decodes a packet from its first byte and body (exposed for tests).</summary>
    public static MqttPacket Decode(int first, byte[] body, int wireLength)
    {
        var type = (MqttPacketType)(first >> 4);
        int flags = first & 0x0F;
        switch (type)
        {
            case MqttPacketType.ConnAck:
                Require(flags == 0 && body.Length == 2, "CONNACK must be 0x20 with 2 bytes");
                Require((body[0] & 0xFE) == 0, "CONNACK reserved acknowledge flags set");
                Require(body[1] <= 5, "CONNACK return code " + body[1] + " is reserved");
                Require(body[1] == 0 || (body[0] & 1) == 0, "CONNACK refusal with session present");
                return new MqttPacket { Type = type, SessionPresent = (body[0] & 1) == 1, ReturnCode = body[1], WireLength = wireLength };
            case MqttPacketType.Publish:
                return DecodePublish(flags, body, wireLength);
            case MqttPacketType.PubAck:
                Require(flags == 0 && body.Length == 2, "PUBACK must be 0x40 with 2 bytes");
                int ackId = (body[0] << 8) | body[1];
                Require(ackId != 0, "PUBACK packet id 0");
                return new MqttPacket { Type = type, PacketId = ackId, WireLength = wireLength };
            case MqttPacketType.SubAck:
                Require(flags == 0 && body.Length >= 3, "SUBACK must be 0x90 with at least 3 bytes");
                int subId = (body[0] << 8) | body[1];
                Require(subId != 0, "SUBACK packet id 0");
                byte[] codes = body.AsSpan(2).ToArray();
                foreach (byte code in codes)
                {
                    Require(code is 0 or 1 or 2 or 0x80, "SUBACK return code " + code + " is reserved");
                }

                return new MqttPacket { Type = type, PacketId = subId, GrantedQos = codes, WireLength = wireLength };
            case MqttPacketType.PingResp:
                Require(flags == 0 && body.Length == 0, "PINGRESP must be 0xD0 0x00");
                return new MqttPacket { Type = type, WireLength = wireLength };
            default:
                throw new MqttProtocolException("a broker does not send " + type + " (first byte 0x" + first.ToString("x2") + ")");
        }
    }

    private static MqttPacket DecodePublish(int flags, byte[] body, int wireLength)
    {
        int qos = (flags >> 1) & 3;
        bool duplicate = (flags & 8) != 0;
        Require(qos <= 1, "PUBLISH with QoS " + qos + " (subscriptions ask for at most 1)");
        Require(qos > 0 || !duplicate, "PUBLISH QoS 0 with DUP set");
        Require(body.Length >= 2, "PUBLISH too short");
        int topicLength = (body[0] << 8) | body[1];
        int headerLength = 2 + topicLength + (qos > 0 ? 2 : 0);
        Require(topicLength > 0 && body.Length >= headerLength, "PUBLISH topic length inconsistent");
        string topic;
        try
        {
            topic = StrictUtf8.GetString(body, 2, topicLength);
        }
        catch (DecoderFallbackException)
        {
            throw new MqttProtocolException("PUBLISH topic is not valid UTF-8");
        }

        Require(topic.IndexOfAny(new[] { '+', '#', '\0' }) < 0, "PUBLISH topic contains a wildcard or NUL");
        int packetId = 0;
        if (qos > 0)
        {
            packetId = (body[2 + topicLength] << 8) | body[3 + topicLength];
            Require(packetId != 0, "PUBLISH QoS 1 with packet id 0");
        }

        return new MqttPacket
        {
            Type = MqttPacketType.Publish,
            Qos = qos,
            Duplicate = duplicate,
            Retain = (flags & 1) != 0,
            Topic = topic,
            PacketId = packetId,
            Payload = body.AsSpan(headerLength).ToArray(),
            WireLength = wireLength,
        };
    }

    private static byte[] Frame(int first, MemoryStream body)
    {
        long length = body.Length;
        if (length > 268_435_455)
        {
            throw new ArgumentException("packet too large");
        }

        var packet = new MemoryStream();
        packet.WriteByte((byte)first);
        do
        {
            int digit = (int)(length % 128);
            length /= 128;
            packet.WriteByte((byte)(length > 0 ? digit | 0x80 : digit));
        }
        while (length > 0);

        body.Position = 0;
        body.CopyTo(packet);
        return packet.ToArray();
    }

    private static void WriteTopic(MemoryStream stream, string topic)
    {
        if (topic.Length == 0 || topic.IndexOfAny(new[] { '+', '#', '\0' }) >= 0)
        {
            throw new ArgumentException("a topic name cannot be empty or contain wildcards", nameof(topic));
        }

        WriteString(stream, topic);
    }

    private static void WriteString(MemoryStream stream, string text) => WriteBinary(stream, StrictUtf8.GetBytes(text));

    private static void WriteBinary(MemoryStream stream, byte[] bytes)
    {
        if (bytes.Length > 65535)
        {
            throw new ArgumentException("MQTT strings are at most 65535 bytes");
        }

        stream.WriteByte((byte)(bytes.Length >> 8));
        stream.WriteByte((byte)bytes.Length);
        stream.Write(bytes);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new MqttProtocolException(message);
        }
    }

    private static int ReadByte(Stream stream)
    {
        int value = stream.ReadByte();
        if (value < 0)
        {
            throw new EndOfStreamException("the broker closed the connection");
        }

        return value;
    }

    private static void ReadExactly(Stream stream, byte[] buffer)
    {
        int offset = 0;
        while (offset < buffer.Length)
        {
            int read = stream.Read(buffer, offset, buffer.Length - offset);
            if (read == 0)
            {
                throw new EndOfStreamException("the broker closed the connection inside a packet");
            }

            offset += read;
        }
    }
}
