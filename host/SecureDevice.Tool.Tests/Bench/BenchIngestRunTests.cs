using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace SecureDevice.Tool.Tests.Bench;

/// <summary>
/// The real ingest benchmark at tiny scale through the tool (PKI, mosquitto, a service process, the raw load generator):
/// it finishes, every report is committed exactly once (the bench fails otherwise), and the RESULT lines carry their
/// keys. Timing is not asserted: figures are what the bench prints, never a test's verdict.
/// </summary>
public sealed class BenchIngestRunTests
{
    private static readonly string[] LiveKeys = { "reports_per_s", "p99_ms", "rss_mb", "service_cpu_ms_per_report", "broker_cpu_ms_per_report", "generator_cpu_ms_per_report", "load_avg", "machine_busy_pct", "steal_pct" };

    [Fact]
    public void BenchIngest_RateMaxFiveDevices_AllCommittedOnceAndResultKeys()
    {
        ToolResult result = ToolRun.Run("bench", "ingest", "--devices", "5", "--rate", "max", "--reports", "500");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("database sqlite: 500 of 500 reports committed once", result.Output);
        AssertKeys(ResultLine(result, "RESULT reports_per_s="), LiveKeys);
        AssertKeys(ResultLine(result, "RESULT published_per_s="), new[] { "published_per_s", "batch_mean", "judge_us_per_report", "commit_us_per_report", "ack_us_per_report", "reconnects", "resent" });
        AssertKeys(ResultLine(result, "RESULT peak_gc_committed_mb="), new[] { "peak_gc_committed_mb", "peak_gc_heap_mb", "peak_ingest_queue", "peak_detection_items" });
    }

    [Fact]
    public void BenchIngest_ScheduledRateWindow2_AllCommittedOnce()
    {
        // 5 devices at 250/s for 2 s: the open-loop schedule (several reports of one device due per sweep), window 2.
        ToolResult result = ToolRun.Run("bench", "ingest", "--devices", "5", "--rate", "250", "--seconds", "2", "--window", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("database sqlite: 500 of 500 reports committed once", result.Output);
        AssertKeys(ResultLine(result, "RESULT reports_per_s="), LiveKeys);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void BenchIngest_SignalledMidRun_ItsBrokerAndServiceStopped_OneLineExit1(string signal)
    {
        // Without the handler the runtime's default exit ran no finally block: mosquitto and the service process stayed.
        using LiveTool tool = LiveTool.Start("bench", "ingest", "--devices", "5", "--rate", "25", "--seconds", "300");
        Assert.True(tool.WaitFor(line => line.Contains("publishing", StringComparison.Ordinal), TimeSpan.FromSeconds(180)), tool.Describe());
        int[] children = ChildrenOf(tool.Id);
        Assert.True(children.Length >= 2, "expected the bench's broker and service among its children: " + string.Join(",", children));

        Assert.Equal(1, tool.Stop(signal, TimeSpan.FromSeconds(60)));

        Assert.Equal("securedevice: bench ingest interrupted; its broker and service were stopped", Assert.Single(tool.Error, l => l.Length > 0));
        Assert.All(children, pid => Assert.False(Alive(pid), "child " + pid + " still running after the bench ended"));
    }

    /// <summary>Processes whose parent is <paramref name="parent"/>, from /proc (the 4th field of stat, after the command's parentheses).</summary>
    private static int[] ChildrenOf(int parent) => Directory.GetDirectories("/proc")
        .Select(Path.GetFileName)
        .Where(name => name!.All(char.IsDigit))
        .Select(name => (Pid: int.Parse(name!, CultureInfo.InvariantCulture), Stat: ReadStat(name!)))
        .Where(p => p.Stat != null && ParentOf(p.Stat) == parent)
        .Select(p => p.Pid)
        .ToArray();

    private static bool Alive(int pid)
    {
        string? stat = ReadStat(pid.ToString(CultureInfo.InvariantCulture));
        return stat != null && stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
    }

    private static int ParentOf(string stat) => int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);

    private static string? ReadStat(string pid)
    {
        try
        {
            return File.ReadAllText("/proc/" + pid + "/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [Fact]
    public void BenchIngest_BacklogFiveDevices_DrainedOnceAndResultKeys()
    {
        ToolResult result = ToolRun.Run("bench", "ingest", "--devices", "5", "--backlog", "500");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("database sqlite: 500 queued reports committed once", result.Output);
        AssertKeys(ResultLine(result, "RESULT mode=backlog-publish "), new[] { "mode", "published_per_s", "service_cpu_ms_per_report", "broker_cpu_ms_per_report", "generator_cpu_ms_per_report", "load_avg", "machine_busy_pct", "steal_pct" });
        AssertKeys(ResultLine(result, "RESULT mode=backlog-drain "), new[] { "mode", "reports_per_s", "drain_s", "rss_mb", "service_cpu_ms_per_report", "whole_drain_service_cpu_ms_per_report" });
    }

    private static string ResultLine(ToolResult result, string prefix)
    {
        string[] lines = result.Output.Split('\n').Where(l => l.StartsWith(prefix, System.StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == 1, "one line starting " + prefix + " expected: " + result);
        return lines[0];
    }

    private static void AssertKeys(string line, string[] keys)
    {
        var pairs = line["RESULT ".Length..].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        foreach (string key in keys)
        {
            Assert.True(pairs.ContainsKey(key), key + " missing from " + line);
            Assert.Matches(new Regex("^(backlog-publish|backlog-drain|-?[0-9]+(\\.[0-9]+)?)$"), pairs[key]);
        }
    }
}
