using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json;
using SecureDevice.Service.Ingest;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Broker;

/// <summary>
/// The refusal counter's core (host/broker/refusal-counter/refusal_core.c) through its test driver: which checks it
/// counts, its bounds, and its JSON, decoded by Python's json module (a decoder we did not write).
/// </summary>
public sealed class RefusalCounterCoreTests
{
    private const string Prefix = "$SYS/broker/securedevice/refused/";

    [Fact]
    public void Write_FollowedByItsMessageOrItsDelivery_IsAllowed_AnythingElseIsARefusal()
    {
        List<(string Topic, JsonElement Json)> reports = Run(
            "init\t10",
            "write\t1\tdev-1\tdevices/dev-1/up/health\t10", "message\t1\tdevices/dev-1/up/health",   // allowed publish
            "write\t1\tdev-1\tdevices/dev-1/up/status\t7", "read\tdevices/dev-1/up/status",           // allowed will, delivered
            "write\t1\tdev-1\tdevices/dev-2/up/health\t3", "read\tdevices/dev-2/up/other",            // refused, then another delivery
            "write\t1\tdev-1\tother/a\t4", "message\t2\tother/a",                                     // refused: the message is another client's
            "write\t1\tdev-1\tother/b\t5", "other",                                                   // refused, then e.g. TICK
            "write\t1\tdev-1\t$CONTROL/dynamic-security/v1\t9", "other",                              // not counted: outcome unknown
            "write\t3\tdev-3\tz\t1", "write\t3\tdev-3\tdevices/dev-3/up/health\t1", "message\t3\tdevices/dev-3/up/health",
            "flush\t5000");
        Assert.Equal(2, reports.Count);
        JsonElement one = Single(reports, "dev-1");
        Assert.Equal(3, one.GetProperty("refused").GetInt64());
        Assert.Equal(12, one.GetProperty("bytes").GetInt64());
        Assert.Equal("devices/dev-2/up/health", one.GetProperty("first_topic").GetString());
        Assert.Equal("other/b", one.GetProperty("last_topic").GetString());
        Assert.Equal(0, one.GetProperty("start_ms").GetInt64());
        Assert.Equal(5000, one.GetProperty("end_ms").GetInt64());
        Assert.Equal(1, Single(reports, "dev-3").GetProperty("refused").GetInt64());
    }

    [Fact]
    public void Topic_WithQuotesBackslashControlAndInvalidUtf8_IsValidJsonThatDecodesToItWithReplacements()
    {
        // a " b \ c, U+0001, DEL, é, a lone 0xFF, a cut sequence (0xC3 then 'x'), an overlong '/' (0xC0 0xAF), €.
        string topic = "a\"b\\c\\x01\\x7f\\xc3\\xa9\\xffz\\xc3x\\xc0\\xaf\\xe2\\x82\\xac";
        List<(string Topic, JsonElement Json)> reports = Run("init\t10", "write\t1\tdev-1\t" + topic + "\t1", "other", "flush\t1");
        string decoded = Single(reports, "dev-1").GetProperty("last_topic").GetString()!;
        Assert.Equal("a\"b\\c\u0001\u007f\u00e9\ufffdz\ufffdx\ufffd\ufffd\u20ac", decoded);
    }

    [Fact]
    public void LongTopic_IsCutAtAUtf8Boundary_AndItsFullLengthIsGiven()
    {
        // 95 ASCII bytes, then é (2 bytes): a cut at 96 bytes would split é, so 95 are kept.
        string topic = new string('a', 95) + "\\xc3\\xa9" + new string('b', 200);
        JsonElement report = Single(Run("init\t10", "write\t1\tdev-1\t" + topic + "\t1", "other", "flush\t1"), "dev-1");
        Assert.Equal(new string('a', 95), report.GetProperty("last_topic").GetString());
        Assert.Equal(297, report.GetProperty("last_topic_len").GetInt64());
    }

    [Fact]
    public void MoreClientsThanTheLimit_AreSummedInTheOverflowReport_AndHoldNoMemory()
    {
        var script = new List<string> { "init\t3" };
        for (int i = 0; i < 10; i++)
        {
            script.Add("write\t" + i + "\tc-" + i + "\tx/" + i + "\t2");
            script.Add("write\t" + i + "\tc-" + i + "\tx/" + i + "\t2");
        }

        script.Add("other");
        script.Add("clients");
        script.Add("flush\t1");
        script.Add("clients");
        List<string> lines = RunLines(script.ToArray());
        Assert.Equal(new[] { "clients\t3", "clients\t0" }, lines.Where(l => l.StartsWith("clients", StringComparison.Ordinal)).ToArray());
        List<(string Topic, JsonElement Json)> reports = Parse(lines);
        Assert.Equal(4, reports.Count);
        Assert.Equal(6, reports.Where(r => !r.Topic.EndsWith("%overflow", StringComparison.Ordinal)).Sum(r => r.Json.GetProperty("refused").GetInt64()));
        JsonElement overflow = Single(reports, "%overflow");
        Assert.Equal(14, overflow.GetProperty("refused").GetInt64());
        Assert.Equal(28, overflow.GetProperty("bytes").GetInt64());
        Assert.Equal(14, overflow.GetProperty("clients").GetInt64()); // an upper bound: 7 clients, each refused twice
    }

    [Fact]
    public void Bytes_Saturate_NeverWrap()
    {
        JsonElement report = Single(Run("init\t10", "write\t1\tdev-1\tx\t18446744073709551615", "write\t1\tdev-1\tx\t5", "other", "flush\t1"), "dev-1");
        Assert.Equal(ulong.MaxValue, report.GetProperty("bytes").GetUInt64());
        Assert.Equal(2, report.GetProperty("refused").GetInt64());
    }

    [Theory]
    [InlineData("a/b+c#d%e", "a%2Fb%2Bc%23d%25e")]
    [InlineData("dev-001", "dev-001")]
    [InlineData("caf\u00e9", "caf\u00e9")]
    public void ClientId_UnsafeInATopic_IsPercentEscaped_AndTheServiceDecodesItBack(string id, string name)
    {
        List<(string Topic, JsonElement Json)> reports = Run("init\t10", "write\t1\t" + Encode(id) + "\tx\t1", "other", "flush\t1");
        Assert.Equal(Prefix + name, Assert.Single(reports).Topic);
        Assert.True(RefusalReport.TryDecodeName(name, out string? decoded));
        Assert.Equal(id, decoded);
    }

    [Fact]
    public void ClientId_Empty_IsPercent_AndALongOneIsItsHash()
    {
        string longId = new string('x', 65);
        List<(string Topic, JsonElement Json)> reports = Run("init\t10", "write\t1\t\\x00\tx\t1", "other", "write\t2\t" + longId + "\tx\t1", "other", "flush\t1");
        string[] names = reports.Select(r => r.Topic[Prefix.Length..]).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, names.Length);
        Assert.Equal("%", names[0]);
        Assert.Matches("^%~[0-9a-f]{16}$", names[1]);
        Assert.True(RefusalReport.TryDecodeName(names[1], out string? hashed));
        Assert.Null(hashed);
    }

    private static string Encode(string text) => string.Concat(Encoding.UTF8.GetBytes(text).Select(b => b < 0x80 ? ((char)b).ToString() : "\\x" + b.ToString("x2")));

    private static JsonElement Single(List<(string Topic, JsonElement Json)> reports, string name) => reports.Single(r => r.Topic == Prefix + name).Json;

    private static List<(string Topic, JsonElement Json)> Run(params string[] script) => Parse(RunLines(script));

    private static List<string> RunLines(params string[] script)
    {
        ProcessResult result = ExternalProcess.Run(RefusalCounterBuild.Probe, Array.Empty<string>(), Encoding.UTF8.GetBytes(string.Join("\n", script) + "\n"));
        result.EnsureSuccess("refusal_core_probe");
        return SplitLines(result.OutputBytes);
    }

    // The driver's output is bytes: read as Latin-1 (one char per byte), so a payload that is not UTF-8 reaches Python as it is.
    private static List<string> SplitLines(byte[] output) => Encoding.Latin1.GetString(output).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static List<(string Topic, JsonElement Json)> Parse(List<string> lines)
    {
        var reports = new List<(string, JsonElement)>();
        foreach (string line in lines.Where(l => l.StartsWith("$SYS", StringComparison.Ordinal)))
        {
            int tab = line.IndexOf('\t');
            byte[] topic = Encoding.Latin1.GetBytes(line[..tab]);
            byte[] payload = Encoding.Latin1.GetBytes(line[(tab + 1)..]);
            Assert.True(payload.Length < 1400, "payload " + payload.Length + " bytes");
            // Python's json module decodes the bytes (strict: invalid UTF-8 or a raw control character fails) and prints
            // the value back with every non-ASCII character escaped, which this side then reads.
            ProcessResult python = ExternalProcess.Run("python3", new[] { "-c", "import json,sys; print(json.dumps(json.loads(sys.stdin.buffer.read()), ensure_ascii=True))" }, payload);
            python.EnsureSuccess("python3 json.loads of " + Encoding.Latin1.GetString(payload));
            reports.Add((Encoding.UTF8.GetString(topic), JsonDocument.Parse(python.Output).RootElement.Clone()));
        }

        return reports;
    }
}
