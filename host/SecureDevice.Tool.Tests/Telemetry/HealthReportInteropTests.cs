using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using SecureDevice.Core.Telemetry;
using SecureDevice.TestSupport;
using SecureDevice.Fleet.Telemetry;
using Xunit;
using SecureDevice.Doubles;

namespace SecureDevice.Tool.Tests.Telemetry;

/// <summary>
/// The device's health reports checked by an independent decoder (Python's cbor2, from Debian) and by the host tool:
/// every field of every report round-trips, and the CBOR and JSON encodings carry the same values.
/// </summary>
public sealed class HealthReportInteropTests
{
    private const string PythonCheck = """
import sys, json, cbor2
keys = sys.argv[1].split(",")
checked = 0
for line in sys.stdin:
    cbor_hex, json_text = line.split("\t")
    decoded = cbor2.loads(bytes.fromhex(cbor_hex))
    expected = json.loads(json_text)
    as_json = {keys[k]: v for k, v in decoded.items()}
    if sorted(decoded.keys()) != list(range(len(keys))) or as_json != expected:
        print("MISMATCH", cbor_hex, json_text.strip(), as_json)
        sys.exit(1)
    checked += 1
print("OK", checked)
""";

    [Fact]
    public void DeviceCbor_DecodedByCbor2_EqualsTheDevicesJson_ForRandomAndExtremeReports()
    {
        var report = new HealthReport();
        var lines = new StringBuilder();
        foreach (HealthSnapshot snapshot in Snapshots())
        {
            lines.Append(Cbor(report, snapshot)).Append('\t').Append(Json(report, snapshot)).Append('\n');
        }

        // The JSON keys by CBOR key, from the device's schema table (HealthSchema, as the host reads it).
        string keys = string.Join(",", HealthSchemaNames.Current.JsonKeys);
        Assert.Equal(10, HealthSchemaNames.Current.JsonKeys.Length);
        ProcessResult result = ExternalProcess.Run("/usr/bin/python3", new[] { "-c", PythonCheck, keys }, Encoding.UTF8.GetBytes(lines.ToString()));
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Equal("OK " + Snapshots().Count(), result.Output.Trim());
    }

    [Fact]
    public void HostDecoder_GivesBackTheDevicesJsonExactly()
    {
        var report = new HealthReport();
        foreach (HealthSnapshot snapshot in Snapshots())
        {
            byte[] cbor = Convert.FromHexString(Cbor(report, snapshot));
            Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(cbor, out DecodedHealthReport? decoded, out string detail));
            Assert.Equal(Json(report, snapshot), decoded!.ToDeviceJson());
        }
    }

    [Fact]
    public void HealthSample_PrintsReportsWithinTheBudgets()
    {
        string cborHex = ToolRun.Ok("health", "sample", "--format", "cbor").Output.Trim();
        string json = ToolRun.Ok("health", "sample", "--format", "json").Output.Trim();
        Assert.InRange(cborHex.Length / 2, 100, 120);
        Assert.InRange(json.Length, 200, 260);
        Assert.Equal(json, ToolRun.Ok("health", "decode", cborHex).Output.Trim());
        string named = ToolRun.Ok("health", "decode", "--named", cborHex).Output;
        Assert.Contains("\"supplyMv\": 3600", named);
        Assert.Contains("\"certificateDays\": 3650", named);
    }

    [Theory]
    [InlineData("not hex", "hex digits")]
    [InlineData("a10009", "schema")]
    [InlineData("aa0001", "longer than the report")]
    [InlineData("0000", "after the report")]
    [InlineData("a2000118", "unexpected end")]
    [InlineData("a1001801", "shortest form")]
    [InlineData("bf00ff", "indefinite")]
    [InlineData("a10061", "unsupported major type")]
    [InlineData("a1000201", "after the report")]
    public void HealthDecode_MalformedInput_OneLineExit2(string hex, string reason)
    {
        ToolResult result = ToolRun.Run("health", "decode", hex);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(reason, result.Error);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public void HealthDecode_WrongShape_IsRefused()
    {
        var report = new HealthReport();
        var snapshot = new HealthSnapshot();
        byte[] cbor = Convert.FromHexString(Cbor(report, snapshot));
        cbor[cbor.Length - 1] = 0x80;
        ToolResult result = ToolRun.Run("health", "decode", Convert.ToHexString(cbor));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("wrong shape", result.Error);
    }

    private static IEnumerable<HealthSnapshot> Snapshots()
    {
        var maximum = new HealthSnapshot();
        RealisticMaximum.Fill(maximum);
        yield return maximum;
        yield return new HealthSnapshot();
        var random = new Random(6);
        for (int i = 0; i < 200; i++)
        {
            var s = new HealthSnapshot
            {
                Sequence = Value(random), UptimeSeconds = Value(random), BootCount = Value(random), BootReason = random.Next(0, 7),
                HasSupply = random.Next(2) == 0, SupplyMillivolts = random.Next(0, 20000),
                HasSupplyCurrent = random.Next(2) == 0, SupplyMilliamps = Value(random), HasLoad = random.Next(2) == 0, LoadPercent = random.Next(0, 101),
                HasHeapTotal = random.Next(2) == 0,
                HasTemperature = random.Next(2) == 0, TemperatureDeciCelsius = random.Next(-400, 1500),
                HasNativeMemory = random.Next(3) > 0, HeapTotalKiB = Value(random), HeapFreeKiB = Value(random), HeapLargestKiB = Value(random), HeapFreeMinKiB = Value(random),
                HasManagedMemory = random.Next(3) > 0, ManagedFreeKiB = Value(random), ManagedFreeMinKiB = Value(random),
                MessagesUp = Value(random), PayloadUpKiB = Value(random), MessagesUpSinceLast = Value(random), BytesUpSinceLast = Value(random),
                MessagesDown = Value(random), PayloadDownKiB = Value(random), MessagesDownSinceLast = Value(random), BytesDownSinceLast = Value(random),
                HasRssi = random.Next(2) == 0, Rssi = random.Next(-127, 1),
                Attempts = Value(random), FailedNetwork = Value(random), FailedTls = Value(random), FailedAuthentication = Value(random),
                FailedRefused = Value(random), BackoffSeconds = Value(random), Dropped = Value(random), Delayed = Value(random),
                Rejected = Value(random), UpdateOutcome = random.Next(0, 25), VersionMajor = Value(random), VersionMinor = Value(random),
                VersionPatch = Value(random), SecurityVersion = Value(random), CertificateDays = random.Next(-1000, 4000), Flags = random.Next(0, 256),
            };
            yield return s;
        }
    }

    // Values across every CBOR length class, overflowed ones (clamped by the encoder) included.
    private static long Value(Random random) => random.Next(8) switch
    {
        0 => random.Next(0, 24),
        1 => random.Next(24, 256),
        2 => random.Next(256, 65536),
        3 => random.NextInt64(65536, 1L << 32),
        4 => random.NextInt64(1L << 32, long.MaxValue),
        5 => -random.Next(1, 1000),
        _ => random.Next(0, 100000),
    };

    private static string Cbor(HealthReport report, HealthSnapshot snapshot)
    {
        byte[] buffer = new byte[HealthReport.MaxCborBytes];
        int length = report.EncodeCbor(snapshot, buffer, 0, buffer.Length);
        Assert.True(length > 0);
        return Convert.ToHexStringLower(buffer, 0, length);
    }

    private static string Json(HealthReport report, HealthSnapshot snapshot)
    {
        byte[] buffer = new byte[HealthReport.MaxJsonBytes];
        int length = report.EncodeJson(snapshot, buffer, 0, buffer.Length);
        Assert.True(length > 0);
        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
