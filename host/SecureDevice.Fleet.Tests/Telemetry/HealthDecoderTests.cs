using System;
using SecureDevice.Core.Telemetry;
using SecureDevice.Doubles;
using SecureDevice.Fleet.Telemetry;
using Xunit;

namespace SecureDevice.Fleet.Tests.Telemetry;

public sealed class HealthDecoderTests
{
    [Fact]
    public void TryDecode_ADevicesReport_DecodesEveryField()
    {
        var snapshot = new HealthSnapshot();
        RealisticMaximum.Fill(snapshot);
        byte[] buffer = new byte[HealthReport.MaxCborBytes];
        int length = new HealthReport().EncodeCbor(snapshot, buffer, 0, buffer.Length);
        Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(buffer.AsSpan(0, length).ToArray(), out DecodedHealthReport? report, out _));
        Assert.Equal(3600, report!.Field("power", "supplyMv"));
        Assert.Equal(1, report.Schema);
        Assert.Throws<ArgumentException>(() => report.Field("power", "nope"));
    }

    [Fact]
    public void TryDecode_RandomAndMutatedBytes_NeverThrow()
    {
        var random = new Random(12);
        var snapshot = new HealthSnapshot();
        RealisticMaximum.Fill(snapshot);
        byte[] valid = new byte[HealthReport.MaxCborBytes];
        int length = new HealthReport().EncodeCbor(snapshot, valid, 0, valid.Length);
        int decoded = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input;
            if (i % 2 == 0)
            {
                input = new byte[random.Next(0, 400)];
                random.NextBytes(input);
            }
            else
            {
                input = valid.AsSpan(0, length).ToArray();
                input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
            }

            HealthDecodeStatus status = HealthDecoder.TryDecode(input, out DecodedHealthReport? report, out string detail);
            Assert.True(Enum.IsDefined(status));
            Assert.False(string.IsNullOrEmpty(detail));
            Assert.Equal(status == HealthDecodeStatus.Decoded, report != null);
            decoded += status == HealthDecodeStatus.Decoded ? 1 : 0;
        }

        Assert.InRange(decoded, 1, 19_999);
    }

    [Theory]
    [InlineData("online", PresenceStatus.Online, true)]
    [InlineData("offline", PresenceStatus.Offline, true)]
    [InlineData("Online", PresenceStatus.Unknown, false)]
    [InlineData("online\n", PresenceStatus.Unknown, false)]
    [InlineData("", PresenceStatus.Unknown, false)]
    public void Presence_ExactWordsOnly(string payload, PresenceStatus expected, bool parsed)
    {
        Assert.Equal(parsed, Presence.TryParse(System.Text.Encoding.UTF8.GetBytes(payload), out PresenceStatus status));
        Assert.Equal(expected, status);
    }
}
