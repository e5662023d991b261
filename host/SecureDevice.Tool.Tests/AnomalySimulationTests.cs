using System.Linq;
using SecureDevice.Fleet.Detection;
using SecureDevice.Lab.Simulation;
using Xunit;

namespace SecureDevice.Tool.Tests;

/// <summary>The detection targets of issue 13 on a smaller fleet: every anomaly flagged within 3 reports, no false alarm.</summary>
public sealed class AnomalySimulationTests
{
    [Fact]
    public void SmallFleet_TwoDays_FlagsEveryAnomalyWithinThreeReportsAndNoHealthyDevice()
    {
        AnomalyResult result = AnomalySimulation.Run(new AnomalyOptions(Devices: 200, Days: 2, Seed: 1));
        Assert.Equal(30, result.Anomalies.Count);
        Assert.True(result.Recall == 1, result.ResultLine + " missed " + string.Join(", ", result.Anomalies.Where(a => a.FirstRule == null).Select(a => a.Id + " " + a.Kind)));
        Assert.Equal(30, result.FlaggedWithinThree);
        Assert.True(result.FalseAlarmDevices == 0, string.Join("; ", result.FalseAlarmList.Select(f => f.Finding.ToString())));

        // Each kind is caught by the rule made for it.
        Assert.All(result.Anomalies.Where(a => a.Kind == AnomalyKind.Silent), a => Assert.Equal("silence", a.FirstRule));
        Assert.All(result.Anomalies.Where(a => a.Kind == AnomalyKind.RebootLoop), a => Assert.Equal("reboot-loop", a.FirstRule));
        Assert.All(result.Anomalies.Where(a => a.Kind == AnomalyKind.CoinMiner), a => Assert.Contains(a.FirstRule, new[] { "coin-miner", "traffic-surge" }));
        Assert.All(result.Anomalies.Where(a => a.Kind == AnomalyKind.Glitch), a => Assert.Contains(a.FirstRule, new[] { "message-flood", "reconnect-storm", "invalid-data" }));
        Assert.Equal(10, result.Rules.Single(r => r.Rule == "coin-miner").TruePositives);
    }

    [Fact]
    public void Run_IsDeterministicForASeed_AndTheSeedMatters()
    {
        var options = new AnomalyOptions(Devices: 60, Days: 1, Miners: 3, Glitches: 3, Loops: 2, Silent: 2, Seed: 9);
        AnomalyResult a = AnomalySimulation.Run(options);
        AnomalyResult b = AnomalySimulation.Run(options);
        Assert.Equal(a.ResultLine, b.ResultLine);
        Assert.Equal(a.Anomalies.Select(x => x.Id + x.OnsetSeconds), b.Anomalies.Select(x => x.Id + x.OnsetSeconds));
        AnomalyResult c = AnomalySimulation.Run(options with { Seed = 10 });
        Assert.NotEqual(a.Anomalies.Select(x => x.Id + x.OnsetSeconds), c.Anomalies.Select(x => x.Id + x.OnsetSeconds));
    }

    [Fact]
    public void SimAnomalies_PrintsTheTableAndEndsWithTheResultLine()
    {
        ToolResult run = ToolRun.Run("sim", "anomalies", "--devices", "60", "--days", "1", "--miners", "2", "--glitches", "3", "--loops", "1", "--silent", "1", "--seed", "3");
        string[] lines = run.Output.TrimEnd().Split('\n');
        Assert.Matches(@"^RESULT recall=1\.000 false_alarms=0 detect_reports_p50=\d+(\.\d)? detect_reports_max=[1-3] within_3_reports=7/7$", lines[^1]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains(lines, l => l.StartsWith("RESULT rule=coin-miner trusts_device=1", System.StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--devices", "0")]
    [InlineData("--devices", "20001")]
    [InlineData("--days", "x")]
    [InlineData("--miners", "-1")]
    [InlineData("--seed", "abc")]
    public void SimAnomalies_BadArguments_OneLineExitTwo(string option, string value)
    {
        ToolResult run = ToolRun.Run("sim", "anomalies", option, value);
        Assert.Equal(2, run.ExitCode);
        Assert.Single(run.Error.TrimEnd().Split('\n'));
        Assert.Empty(run.Output);
    }

    [Fact]
    public void SimAnomalies_MoreAnomaliesThanDevices_OneLineExitTwo()
    {
        ToolResult run = ToolRun.Run("sim", "anomalies", "--devices", "20");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("more anomalous devices", run.Error);
    }

    [Fact]
    public void RuleFigures_CoverEveryRule()
    {
        AnomalyResult result = AnomalySimulation.Run(new AnomalyOptions(Devices: 40, Days: 1, Miners: 1, Glitches: 1, Loops: 1, Silent: 1, Seed: 2));
        Assert.Equal(Enumerable.Range(0, RuleCatalog.Count).Select(r => RuleCatalog.Code((DetectionRule)r)), result.Rules.Select(r => r.Rule));
    }
}
