using System;
using System.Linq;
using System.Text;
using SecureDevice.Lab.Ingest;
using Xunit;

namespace SecureDevice.Tool.Tests.Bench;

/// <summary>The load generator's pre-encoded QoS 1 PUBLISH frames and CONNECT, against bytes written out by hand from MQTT 3.1.1.</summary>
public sealed class DeviceFramesTests
{
    [Fact]
    public void Build_SmallFrames_MatchGoldenBytesEndToEndWithPacketIdsFromOne()
    {
        DeviceFrames frames = DeviceFrames.Build("a/b", 3, i => new byte[] { (byte)(0xA0 + i), 0x02 });

        // 0x32: PUBLISH, QoS 1, no DUP, no RETAIN; remaining 9 = topic 2 + 3, packet id 2, payload 2.
        byte[] expected =
        {
            0x32, 0x09, 0x00, 0x03, (byte)'a', (byte)'/', (byte)'b', 0x00, 0x01, 0xA0, 0x02,
            0x32, 0x09, 0x00, 0x03, (byte)'a', (byte)'/', (byte)'b', 0x00, 0x02, 0xA1, 0x02,
            0x32, 0x09, 0x00, 0x03, (byte)'a', (byte)'/', (byte)'b', 0x00, 0x03, 0xA2, 0x02,
        };
        Assert.Equal(expected, frames.Bytes);
        Assert.Equal(new[] { 0, 11, 22, 33 }, frames.Offsets);
        Assert.Equal(3, frames.Count);
        Assert.Equal(expected.AsSpan(11, 11).ToArray(), frames.Frame(1).ToArray());
    }

    [Theory]
    [InlineData(127, new byte[] { 0x7F })]
    [InlineData(128, new byte[] { 0x80, 0x01 })]
    [InlineData(16383, new byte[] { 0xFF, 0x7F })]
    [InlineData(16384, new byte[] { 0x80, 0x80, 0x01 })]
    public void Build_RemainingLengthBoundaries_EncodedAsTheSpecificationSays(int remaining, byte[] lengthBytes)
    {
        // Topic "t" (2 + 1 bytes) and the packet id (2) leave remaining - 5 bytes of payload.
        byte[] payload = Enumerable.Range(0, remaining - 5).Select(i => (byte)i).ToArray();
        DeviceFrames frames = DeviceFrames.Build("t", 1, _ => payload);

        byte[] expected = new byte[] { 0x32 }.Concat(lengthBytes).Concat(new byte[] { 0x00, 0x01, (byte)'t', 0x00, 0x01 }).Concat(payload).ToArray();
        Assert.Equal(expected, frames.Bytes);
        Assert.Equal(1 + lengthBytes.Length + remaining, frames.Offsets[1]);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(65534, 65535)]
    [InlineData(65535, 1)]
    [InlineData(65536, 2)]
    public void PacketId_CyclesThrough1To65535_NeverZero(long index, int id) => Assert.Equal(id, DeviceFrames.PacketId(index));

    [Fact]
    public void Build_WildcardTopic_Refused() => Assert.Throws<ArgumentException>(() => DeviceFrames.Build("devices/+/up/health", 1, _ => new byte[1]));

    [Fact]
    public void HealthTopic_IsTheFirmwares() => Assert.Equal("devices/bench-00001/up/health", DeviceFrames.HealthTopic("bench-00001"));

    [Fact]
    public void ConnectPacket_CleanSessionKeepAlive60_MatchesGoldenBytes()
    {
        // CONNECT, remaining 23: "MQTT", level 4, flags 0x02 (clean session only), keep-alive 60, client id of 11 bytes.
        byte[] expected = new byte[] { 0x10, 0x17, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x0B }
            .Concat(Encoding.ASCII.GetBytes("bench-00001")).ToArray();
        Assert.Equal(expected, RawDeviceConnection.ConnectPacket("bench-00001"));
    }
}
