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
        Assert.Equal(HealthSnapshot.SchemaVersion, report.Schema);
        Assert.Throws<ArgumentException>(() => report.Field("power", "nope"));
    }

    [Fact]
    public void TryDecode_Schema1FromOlderFirmware_DecodesWithTheNewFieldsAbsent()
    {
        // A minimal report of the firmware before schema 2: power [supply, temperature], traffic ending in the wire estimate.
        byte[] schema1 = Convert.FromHexString("aa0001010002830001010382f6f60486f6f6f6f6f6f6058900000000000000001907d00687f6000000000000078400000000088500000000000900");
        Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(schema1, out DecodedHealthReport? report, out string detail));
        Assert.Equal(1, report!.Schema);
        Assert.Equal(2000, report.Field("traffic", "wireBytesSinceLast"));
        Assert.Null(report.Field("power", "loadPct"));
        Assert.Null(report.Field("power", "supplyMa"));
        Assert.Equal("{\"v\":1,\"n\":0,\"l\":[0,1,1],\"p\":[null,null],\"m\":[null,null,null,null,null,null],\"t\":[0,0,0,0,0,0,0,0,2000],"
            + "\"c\":[null,0,0,0,0,0,0],\"x\":[0,0,0,0],\"i\":[0,0,0,0,0],\"f\":0}", report.ToDeviceJson());

        // Schema 1's shape is not accepted under schema 2's number, nor the reverse.
        schema1[2] = 2;
        Assert.Equal(HealthDecodeStatus.WrongShape, HealthDecoder.TryDecode(schema1, out _, out detail));
        Assert.Contains("key 3", detail);
        schema1[2] = 3;
        Assert.Equal(HealthDecodeStatus.UnsupportedSchema, HealthDecoder.TryDecode(schema1, out _, out _));
    }

    [Fact]
    public void Field_Schema2_HasLoadAndCurrentNotTheWireEstimate()
    {
        var snapshot = new HealthSnapshot { HasLoad = true, LoadPercent = 87, HasSupplyCurrent = true, SupplyMilliamps = 131 };
        byte[] buffer = new byte[HealthReport.MaxCborBytes];
        int length = new HealthReport().EncodeCbor(snapshot, buffer, 0, buffer.Length);
        Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(buffer.AsSpan(0, length).ToArray(), out DecodedHealthReport? report, out _));
        Assert.Equal(2, report!.Schema);
        Assert.Equal(87, report.Field("power", "loadPct"));
        Assert.Equal(131, report.Field("power", "supplyMa"));
        Assert.Null(report.Field("traffic", "wireBytesSinceLast"));
        Assert.Null(report.Field("memory", "heapTotalKiB"));
        Assert.Throws<ArgumentException>(() => report.Field("traffic", "nope"));

        // Resolved once (what ingest reads every report with): the same values, per the report's own schema.
        Assert.Equal(87, report.Field(HealthField.Of("power", "loadPct")));
        Assert.Null(report.Field(HealthField.Of("traffic", "wireBytesSinceLast")));
        Assert.Throws<ArgumentException>(() => HealthField.Of("nope", "loadPct"));
        Assert.Contains("\"loadPct\": 87", report.ToNamedJson());
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
