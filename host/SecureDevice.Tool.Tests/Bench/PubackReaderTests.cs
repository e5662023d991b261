using System;
using System.Linq;
using SecureDevice.Lab.Ingest;
using Xunit;

namespace SecureDevice.Tool.Tests.Bench;

/// <summary>The load generator's bulk PUBACK parser: in-order acknowledgements, split packets, and everything a publishing device must refuse.</summary>
public sealed class PubackReaderTests
{
    [Fact]
    public void Feed_ThreePubacksInOneRead_AllAcknowledged()
    {
        var reader = new PubackReader();
        PubackStatus status = reader.Feed(new byte[] { 0x40, 2, 0, 1, 0x40, 2, 0, 2, 0x40, 2, 0, 3 }, sent: 5, out int acknowledged);
        Assert.Equal((PubackStatus.Ok, 3, 3L), (status, acknowledged, reader.Acknowledged));
    }

    [Fact]
    public void Feed_PubacksSplitAcrossReadsByteByByte_CarriedOver()
    {
        var reader = new PubackReader();
        byte[] stream = { 0x40, 2, 0, 1, 0x40, 2, 0, 2 };
        int total = 0;
        foreach (byte b in stream)
        {
            Assert.Equal(PubackStatus.Ok, reader.Feed(new[] { b }, sent: 2, out int acknowledged));
            total += acknowledged;
        }

        Assert.Equal((2, 2L), (total, reader.Acknowledged));
    }

    [Fact]
    public void Feed_SplitInsideTheSecondPacket_FirstCountedNowSecondLater()
    {
        var reader = new PubackReader();
        Assert.Equal(PubackStatus.Ok, reader.Feed(new byte[] { 0x40, 2, 0, 1, 0x40, 2 }, 2, out int first));
        Assert.Equal(PubackStatus.Ok, reader.Feed(new byte[] { 0, 2 }, 2, out int second));
        Assert.Equal((1, 1), (first, second));
    }

    [Fact]
    public void Feed_PacketIdsPast65535_WrapToOne()
    {
        var reader = new PubackReader();
        for (long i = 0; i < 65537; i++)
        {
            ushort id = DeviceFrames.PacketId(i);
            Assert.Equal(PubackStatus.Ok, reader.Feed(new byte[] { 0x40, 2, (byte)(id >> 8), (byte)id }, 70000, out _));
        }

        Assert.Equal(65537, reader.Acknowledged);
        Assert.Equal(PubackStatus.WrongPacketId, reader.Feed(new byte[] { 0x40, 2, 0xFF, 0xFF }, 70000, out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x40, 2, 0, 2 }, PubackStatus.WrongPacketId, "PUBACK for packet id 2, expected 1 (publish 0 of this run)")]
    [InlineData(new byte[] { 0x40, 2, 0, 0 }, PubackStatus.PacketIdZero, "PUBACK with packet id 0")]
    [InlineData(new byte[] { 0x40, 3, 0, 1, 0 }, PubackStatus.BadLength, "PUBACK with remaining length 3 (not 2)")]
    [InlineData(new byte[] { 0x40, 0 }, PubackStatus.Ok, "")]
    [InlineData(new byte[] { 0x41, 2, 0, 1 }, PubackStatus.NotPuback, "packet of type 4 (first byte 0x41) where only PUBACK is expected")]
    [InlineData(new byte[] { 0x50, 2, 0, 1 }, PubackStatus.NotPuback, "packet of type 5 (first byte 0x50) where only PUBACK is expected")]
    [InlineData(new byte[] { 0x32, 7, 0, 1, (byte)'t', 0, 1, 1, 2 }, PubackStatus.NotPuback, "packet of type 3 (first byte 0x32) where only PUBACK is expected")]
    [InlineData(new byte[] { 0x20, 2, 0, 0 }, PubackStatus.NotPuback, "packet of type 2 (first byte 0x20) where only PUBACK is expected")]
    [InlineData(new byte[] { 0xD0, 0 }, PubackStatus.Unsolicited, "PINGRESP with no PINGREQ outstanding")]
    [InlineData(new byte[] { 0xD0, 1, 0 }, PubackStatus.BadLength, "PINGRESP with remaining length 1 (not 0)")]
    public void Feed_MalformedOrUnexpected_RefusedWithItsStatus(byte[] bytes, PubackStatus status, string detail)
    {
        var reader = new PubackReader();
        Assert.Equal(status, reader.Feed(bytes, sent: 3, out int acknowledged));
        Assert.Equal((0, 0L, detail), (acknowledged, reader.Acknowledged, reader.Detail));
    }

    [Fact]
    public void Feed_MorePubacksThanPublishesSent_Unsolicited()
    {
        var reader = new PubackReader();
        Assert.Equal(PubackStatus.Unsolicited, reader.Feed(new byte[] { 0x40, 2, 0, 1, 0x40, 2, 0, 2 }, sent: 1, out int acknowledged));
        Assert.Equal(1, acknowledged);
        Assert.Equal("PUBACK for packet id 2 with no publish unacknowledged (1 sent)", reader.Detail);
    }

    [Fact]
    public void Feed_AfterAFailure_StaysFailedAndCountsNothingMore()
    {
        var reader = new PubackReader();
        Assert.Equal(PubackStatus.NotPuback, reader.Feed(new byte[] { 0x40, 2, 0, 1, 0x30 }, 5, out int before));
        Assert.Equal(1, before);
        Assert.Equal(PubackStatus.NotPuback, reader.Feed(new byte[] { 0x40, 2, 0, 2 }, 5, out int after));
        Assert.Equal((0, 1L), (after, reader.Acknowledged));
    }

    [Fact]
    public void Feed_PingresponseAfterPingRequest_AcceptedOnce()
    {
        var reader = new PubackReader();
        reader.ExpectPingResponse();
        Assert.Equal(PubackStatus.Ok, reader.Feed(new byte[] { 0x40, 2, 0, 1, 0xD0, 0 }, 1, out int acknowledged));
        Assert.Equal(1, acknowledged);
        Assert.Equal(PubackStatus.Unsolicited, reader.Feed(new byte[] { 0xD0, 0 }, 1, out _));
    }

    [Fact]
    public void Restart_NewRun_CountsFromPacketIdOneAgain()
    {
        var reader = new PubackReader();
        Assert.Equal(PubackStatus.Ok, reader.Feed(new byte[] { 0x40, 2, 0, 1, 0x40, 2, 0, 2 }, 2, out _));
        reader.Restart();
        Assert.Equal(0, reader.Acknowledged);
        Assert.Equal(PubackStatus.Ok, reader.Feed(new byte[] { 0x40, 2, 0, 1 }, 1, out int acknowledged));
        Assert.Equal(1, acknowledged);
    }

    [Fact]
    public void Restart_InsideAPingResponse_Allowed()
    {
        var reader = new PubackReader();
        reader.ExpectPingResponse();
        reader.Feed(new byte[] { 0xD0 }, 0, out _);
        reader.Restart();
        Assert.Equal(PubackStatus.Ok, reader.Feed(new byte[] { 0 }, 0, out _));
    }

    [Fact]
    public void Restart_InsideAPuback_Refused()
    {
        var reader = new PubackReader();
        reader.Feed(new byte[] { 0x40, 2 }, 1, out _);
        Assert.Throws<InvalidOperationException>(reader.Restart);
    }

    [Fact]
    public void Feed_ManyPubacksInOneRead_EachCheckedInOrder()
    {
        byte[] stream = Enumerable.Range(0, 1000).SelectMany(i => new byte[] { 0x40, 2, (byte)((i + 1) >> 8), (byte)(i + 1) }).ToArray();
        var reader = new PubackReader();
        Assert.Equal(PubackStatus.Ok, reader.Feed(stream, 1000, out int acknowledged));
        Assert.Equal(1000, acknowledged);
    }
}
