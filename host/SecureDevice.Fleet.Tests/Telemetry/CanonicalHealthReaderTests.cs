using System;
using System.Collections.Generic;
using System.Linq;
using SecureDevice.Core.Telemetry;
using SecureDevice.Doubles;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Telemetry;

/// <summary>
/// The decoder's allocation-free path against the general strict decoder (<see cref="CborReader"/> and
/// <see cref="HealthJson.Validate"/>, the reference): on valid reports of both schemas and on many thousand mutations of
/// them, <see cref="HealthDecoder.TryDecode"/> gives the general path's status, detail and values exactly.
/// </summary>
public sealed class CanonicalHealthReaderTests
{
    // A schema-1 report of the firmware before the compute load (HealthDecoderTests).
    private static readonly byte[] Schema1 = Convert.FromHexString("aa0001010002830001010382f6f60486f6f6f6f6f6f6058900000000000000001907d00687f6000000000000078400000000088500000000000900");

    [Fact]
    public void TryDecode_MutatedReportsOfBothSchemas_SameVerdictDetailAndValuesAsTheGeneralDecoder()
    {
        var random = new Random(2024);
        int canonical = 0;
        int decodedOtherwise = 0;
        int refused = 0;
        byte[][] canonicalReports = { Schema2(realistic: true), Schema2(realistic: false), Schema1 };
        // The same reports with their keys shuffled: valid, but only the general path decodes them.
        IEnumerable<byte[]> shuffled = canonicalReports.Select(r => (SortedDictionary<long, object?>)new CborReader(r).ReadDocument()!)
            .Select(map => Encode(map, map.Keys.OrderBy(_ => random.Next())));
        foreach (byte[] valid in canonicalReports.Concat(shuffled.ToList()))
        {
            for (int i = 0; i < 8_000; i++)
            {
                byte[] input = i == 0 ? valid : Mutate(valid, random);
                (HealthDecodeStatus expected, string expectedDetail, string? expectedJson) = General(input);
                HealthDecodeStatus status = HealthDecoder.TryDecode(input, out DecodedHealthReport? report, out string detail);

                Assert.Equal(expected, status);
                Assert.Equal(expectedDetail, detail);
                Assert.Equal(expectedJson, report?.ToDeviceJson());
                bool fast = CanonicalHealthReader.TryRead(input, new long[HealthLayout.MaxValues], out _, out _);
                Assert.False(fast && expected != HealthDecodeStatus.Decoded, "the canonical path accepted what the general decoder refuses: " + Convert.ToHexString(input));
                canonical += fast ? 1 : 0;
                decodedOtherwise += !fast && status == HealthDecodeStatus.Decoded ? 1 : 0;
                refused += status == HealthDecodeStatus.Decoded ? 0 : 1;
            }
        }

        // The comparison has teeth only if both paths and the refusals were all exercised.
        Assert.True(canonical > 1000, "canonical " + canonical);
        Assert.True(decodedOtherwise >= 3, "decoded by the general path only: " + decodedOtherwise);
        Assert.True(refused > 10_000, "refused " + refused);
    }

    [Fact]
    public void TryDecode_KeysInAnotherOrder_DecodedByTheGeneralPath_SameValues()
    {
        byte[] valid = Schema2(realistic: true);
        Assert.True(CanonicalHealthReader.TryRead(valid, new long[HealthLayout.MaxValues], out long schema, out _));
        Assert.Equal(2, schema);
        var map = (SortedDictionary<long, object?>)new CborReader(valid).ReadDocument()!;
        byte[] reordered = Encode(map, map.Keys.Reverse());
        Assert.False(CanonicalHealthReader.TryRead(reordered, new long[HealthLayout.MaxValues], out _, out _));
        Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(reordered, out DecodedHealthReport? report, out _));
        HealthDecoder.TryDecode(valid, out DecodedHealthReport? canonical, out _);
        Assert.Equal(canonical!.ToDeviceJson(), report!.ToDeviceJson());
        Assert.Equal(canonical.ToNamedJson(), report.ToNamedJson());
    }

    [Theory]
    [InlineData("1805", HealthDecodeStatus.MalformedCbor, null)] // 5 not in its shortest form
    [InlineData("1818", HealthDecodeStatus.Decoded, 24L)]
    [InlineData("f5", HealthDecodeStatus.WrongShape, null)] // true is not an integer
    [InlineData("81f6", HealthDecodeStatus.WrongShape, null)] // an array inside a group
    [InlineData("20", HealthDecodeStatus.Decoded, -1L)]
    [InlineData("1b7fffffffffffffff", HealthDecodeStatus.Decoded, long.MaxValue)]
    [InlineData("3b7fffffffffffffff", HealthDecodeStatus.Decoded, long.MinValue)]
    [InlineData("1b8000000000000000", HealthDecodeStatus.MalformedCbor, null)] // above long.MaxValue
    [InlineData("3b8000000000000000", HealthDecodeStatus.MalformedCbor, null)] // below long.MinValue
    [InlineData("1a0000ffff", HealthDecodeStatus.MalformedCbor, null)] // 65,535 in four bytes
    public void TryDecode_SupplyValueReplaced_AsTheGeneralDecoderSays(string replacement, HealthDecodeStatus expected, long? value)
    {
        // Schema 1's power group is 0x03 0x82 [supplyMv null, temperature null]: the supply's null becomes the replacement.
        string hex = Convert.ToHexString(Schema1).ToLowerInvariant();
        int at = hex.IndexOf("0382f6", StringComparison.Ordinal) + 4;
        byte[] input = Convert.FromHexString(hex[..at] + replacement + hex[(at + 2)..]);

        HealthDecodeStatus status = HealthDecoder.TryDecode(input, out DecodedHealthReport? report, out string detail);

        Assert.Equal(expected, status);
        Assert.Equal(General(input).Status, status);
        Assert.Equal(General(input).Detail, detail);
        Assert.Equal(value, report?.Field("power", "supplyMv"));
    }

    [Fact]
    public void TryDecode_ADevicesReport_AllocatesOnlyTheDecodedReport()
    {
        byte[] valid = Schema2(realistic: true);
        HealthDecoder.TryDecode(valid, out _, out _);
        long perReport = AllocationProbe.FewestBytes(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                HealthDecoder.TryDecode(valid, out _, out _);
            }
        }) / 100;
        Assert.InRange(perReport, 1, 480); // the report and its 40 values (the map of boxed values took 3,200)
    }

    private static byte[] Schema2(bool realistic)
    {
        var snapshot = new HealthSnapshot { HasLoad = true, LoadPercent = 87, HasSupplyCurrent = true, SupplyMilliamps = 131 };
        if (realistic)
        {
            RealisticMaximum.Fill(snapshot);
        }

        byte[] buffer = new byte[HealthReport.MaxCborBytes];
        int length = new HealthReport().EncodeCbor(snapshot, buffer, 0, buffer.Length);
        return buffer.AsSpan(0, length).ToArray();
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = valid.ToList();
        int edits = 1 + random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.RemoveAt(at);
                    break;
                case 3:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 4:
                    // Small values and the heads the decoder branches on: null, true, nested arrays and maps, longer integers.
                    bytes[at] = new byte[] { 0x00, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x20, 0x38, 0x3B, 0x80, 0x81, 0xA0, 0xA1, 0xF4, 0xF5, 0xF6, 0xF7 }[random.Next(17)];
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at); // truncated
                    break;
            }

            if (bytes.Count == 0)
            {
                break;
            }
        }

        return bytes.ToArray();
    }

    /// <summary>The reference: the general strict decoder alone.</summary>
    private static (HealthDecodeStatus Status, string Detail, string? Json) General(byte[] input)
    {
        if (input.Length > HealthReport.MaxCborBytes)
        {
            return (HealthDecodeStatus.TooLarge, "a health report is at most " + HealthReport.MaxCborBytes + " bytes, got " + input.Length, null);
        }

        try
        {
            return (HealthDecodeStatus.Decoded, "decoded", HealthJson.Flatten(HealthJson.Validate(new CborReader(input).ReadDocument())).ToDeviceJson());
        }
        catch (HealthFormatException error)
        {
            return (error.Status, error.Message, null);
        }
    }

    /// <summary>A health map in CBOR with its keys in <paramref name="order"/> (shortest-form integers, like the device's encoder).</summary>
    private static byte[] Encode(SortedDictionary<long, object?> map, IEnumerable<long> order)
    {
        var bytes = new List<byte>();
        Head(bytes, 5, (ulong)map.Count);
        foreach (long key in order)
        {
            Head(bytes, 0, (ulong)key);
            if (map[key] is List<object?> list)
            {
                Head(bytes, 4, (ulong)list.Count);
                list.ForEach(item => Item(bytes, item));
            }
            else
            {
                Item(bytes, map[key]);
            }
        }

        return bytes.ToArray();

        static void Item(List<byte> bytes, object? item)
        {
            if (item is long n)
            {
                Head(bytes, n < 0 ? 1 : 0, n < 0 ? (ulong)(-1 - n) : (ulong)n);
            }
            else
            {
                bytes.Add(0xF6);
            }
        }
    }

    private static void Head(List<byte> bytes, int major, ulong argument)
    {
        int size = argument < 24 ? 0 : argument <= 0xFF ? 1 : argument <= 0xFFFF ? 2 : argument <= 0xFFFF_FFFF ? 4 : 8;
        bytes.Add((byte)((major << 5) | (size == 0 ? (int)argument : size == 1 ? 24 : size == 2 ? 25 : size == 4 ? 26 : 27)));
        for (int i = size - 1; i >= 0; i--)
        {
            bytes.Add((byte)(argument >> (8 * i)));
        }
    }
}
