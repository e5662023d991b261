using System;
using System.IO;
using System.Text;
using SecureDevice.VirtualDevice.Mqtt;
using Xunit;

namespace SecureDevice.Tool.Tests.Mqtt;

/// <summary>Golden bytes from the OASIS MQTT 3.1.1 specification's layouts, and the strict decoder's refusals.</summary>
public sealed class MqttCodecTests
{
    [Fact]
    public void Connect_WithRetainedQos1Will_MatchesGoldenBytes()
    {
        byte[] packet = MqttCodec.Connect("dev-1", 60, true, "devices/dev-1/up/status", Encoding.ASCII.GetBytes("offline"), 1, true);
        byte[] expected = Concat(
            new byte[] { 0x10, 51, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x2E, 0x00, 0x3C, 0x00, 0x05 },
            "dev-1"u8.ToArray(), new byte[] { 0x00, 0x17 }, "devices/dev-1/up/status"u8.ToArray(), new byte[] { 0x00, 0x07 }, "offline"u8.ToArray());
        Assert.Equal(expected, packet);
    }

    [Fact]
    public void Connect_WithoutWill_HasOnlyCleanSession()
    {
        byte[] packet = MqttCodec.Connect("d", 0, true, null, null, 0, false);
        Assert.Equal(new byte[] { 0x10, 13, 0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, 0x02, 0, 0, 0, 1, (byte)'d' }, packet);
    }

    [Fact]
    public void Publish_Subscribe_Acks_MatchGoldenBytes()
    {
        Assert.Equal(new byte[] { 0x33, 9, 0, 3, (byte)'a', (byte)'/', (byte)'b', 0, 10, (byte)'h', (byte)'i' }, MqttCodec.Publish("a/b", "hi"u8, 1, true, 10));
        Assert.Equal(new byte[] { 0x30, 7, 0, 3, (byte)'a', (byte)'/', (byte)'b', (byte)'h', (byte)'i' }, MqttCodec.Publish("a/b", "hi"u8, 0, false, 0));
        Assert.Equal(new byte[] { 0x82, 8, 0, 1, 0, 3, (byte)'a', (byte)'/', (byte)'#', 1 }, MqttCodec.Subscribe(1, "a/#", 1));
        Assert.Equal(new byte[] { 0x40, 2, 0, 5 }, MqttCodec.PubAck(5));
        Assert.Equal(new byte[] { 0xC0, 0 }, MqttCodec.PingReq());
        Assert.Equal(new byte[] { 0xE0, 0 }, MqttCodec.Disconnect());
    }

    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(127, new byte[] { 0x7F })]
    [InlineData(128, new byte[] { 0x80, 0x01 })]
    [InlineData(16383, new byte[] { 0xFF, 0x7F })]
    [InlineData(16384, new byte[] { 0x80, 0x80, 0x01 })]
    public void RemainingLength_UsesTheSpecificationsEncoding(int length, byte[] encoded)
    {
        byte[] payload = new byte[length - 5 < 0 ? 0 : length - 5];
        byte[] packet = MqttCodec.Publish("a/b", payload, 0, false, 0);
        if (length >= 5)
        {
            Assert.Equal(encoded, packet.AsSpan(1, encoded.Length).ToArray());
        }

        using var stream = new MemoryStream(Concat(new byte[] { 0x30 }, encoded, new byte[length]));
        if (length >= 5)
        {
            stream.Position = 0;
            stream.SetLength(0);
            stream.Write(packet);
            stream.Position = 0;
            MqttPacket decoded = MqttCodec.Read(stream, maxPacket: 20_000);
            Assert.Equal(payload.Length, decoded.Payload.Length);
            Assert.Equal(packet.Length, decoded.WireLength);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x20, 2, 0, 0 }, 0, false)]
    [InlineData(new byte[] { 0x20, 2, 1, 0 }, 0, true)]
    [InlineData(new byte[] { 0x20, 2, 0, 5 }, 5, false)]
    public void ConnAck_ValidForms_Decode(byte[] bytes, int code, bool sessionPresent)
    {
        MqttPacket packet = Read(bytes);
        Assert.Equal(MqttPacketType.ConnAck, packet.Type);
        Assert.Equal(code, packet.ReturnCode);
        Assert.Equal(sessionPresent, packet.SessionPresent);
    }

    [Fact]
    public void Publish_FromBroker_DecodesTopicIdAndPayload()
    {
        MqttPacket packet = Read(new byte[] { 0x33, 9, 0, 3, (byte)'a', (byte)'/', (byte)'b', 0, 7, (byte)'h', (byte)'i' });
        Assert.Equal("a/b", packet.Topic);
        Assert.Equal(1, packet.Qos);
        Assert.True(packet.Retain);
        Assert.Equal(7, packet.PacketId);
        Assert.Equal("hi"u8.ToArray(), packet.Payload);
        Assert.Equal(new byte[] { 1 }, Read(new byte[] { 0x90, 3, 0, 1, 1 }).GrantedQos);
        Assert.Equal(MqttPacketType.PingResp, Read(new byte[] { 0xD0, 0 }).Type);
        Assert.Equal(9, Read(new byte[] { 0x40, 2, 0, 9 }).PacketId);
    }

    [Theory]
    [InlineData("CONNACK reserved header flags", new byte[] { 0x21, 2, 0, 0 })]
    [InlineData("CONNACK too long", new byte[] { 0x20, 3, 0, 0, 0 })]
    [InlineData("CONNACK reserved acknowledge flag", new byte[] { 0x20, 2, 2, 0 })]
    [InlineData("CONNACK refusal with session present", new byte[] { 0x20, 2, 1, 5 })]
    [InlineData("CONNACK reserved return code", new byte[] { 0x20, 2, 0, 6 })]
    [InlineData("PUBLISH QoS 1 packet id 0", new byte[] { 0x32, 7, 0, 1, (byte)'t', 0, 0, (byte)'x', (byte)'y' })]
    [InlineData("PUBLISH QoS 2", new byte[] { 0x34, 5, 0, 1, (byte)'t', 0, 1 })]
    [InlineData("PUBLISH QoS 3", new byte[] { 0x36, 5, 0, 1, (byte)'t', 0, 1 })]
    [InlineData("PUBLISH DUP with QoS 0", new byte[] { 0x38, 3, 0, 1, (byte)'t' })]
    [InlineData("PUBLISH wildcard topic", new byte[] { 0x30, 3, 0, 1, (byte)'+' })]
    [InlineData("PUBLISH invalid UTF-8 topic", new byte[] { 0x30, 4, 0, 2, 0xC3, 0x28 })]
    [InlineData("PUBLISH empty topic", new byte[] { 0x30, 2, 0, 0 })]
    [InlineData("PUBLISH topic longer than the packet", new byte[] { 0x30, 4, 0, 9, (byte)'a', (byte)'b' })]
    [InlineData("PUBACK id 0", new byte[] { 0x40, 2, 0, 0 })]
    [InlineData("PUBACK reserved flags", new byte[] { 0x41, 2, 0, 1 })]
    [InlineData("SUBACK reserved code", new byte[] { 0x90, 3, 0, 1, 3 })]
    [InlineData("PINGRESP with a body", new byte[] { 0xD0, 1, 0 })]
    [InlineData("CONNECT from a broker", new byte[] { 0x10, 0 })]
    [InlineData("PUBREC (QoS 2 flow)", new byte[] { 0x50, 2, 0, 1 })]
    [InlineData("remaining length of 5 bytes", new byte[] { 0x30, 0x80, 0x80, 0x80, 0x80, 0x01 })]
    [InlineData("remaining length not minimal", new byte[] { 0xD0, 0x80, 0x00 })]
    public void Read_ProtocolViolations_AreRefused(string what, byte[] bytes)
    {
        Assert.True(Throws(bytes), what + " was accepted");
    }

    [Fact]
    public void Read_OversizedOrTruncated_IsRefused()
    {
        Assert.Throws<MqttProtocolException>(() => MqttCodec.Read(new MemoryStream(new byte[] { 0x30, 0x80, 0x80, 0x02 }), 16384));
        Assert.Throws<EndOfStreamException>(() => MqttCodec.Read(new MemoryStream(new byte[] { 0x30, 9, 0, 3 })));
        Assert.Throws<EndOfStreamException>(() => MqttCodec.Read(new MemoryStream(Array.Empty<byte>())));
    }

    [Fact]
    public void Encode_Misuse_Throws()
    {
        Assert.Throws<ArgumentException>(() => MqttCodec.Publish("a/+", "x"u8, 0, false, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttCodec.Publish("a", "x"u8, 2, false, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttCodec.Publish("a", "x"u8, 1, false, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => MqttCodec.Subscribe(0, "a/#", 1));
    }

    private static MqttPacket Read(byte[] bytes) => MqttCodec.Read(new MemoryStream(bytes));

    private static bool Throws(byte[] bytes)
    {
        try
        {
            Read(bytes);
            return false;
        }
        catch (MqttProtocolException)
        {
            return true;
        }
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var all = new MemoryStream();
        foreach (byte[] part in parts)
        {
            all.Write(part);
        }

        return all.ToArray();
    }
}
