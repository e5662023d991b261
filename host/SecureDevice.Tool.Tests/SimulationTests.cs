using System.Linq;
using SecureDevice.Lab.Simulation;
using Xunit;

namespace SecureDevice.Tool.Tests;

/// <summary>The flood-guard targets, as seeded simulations of the real core policy.</summary>
public sealed class SimulationTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void Glitch_WithoutReboots_MeetsTheTargets(ulong seed)
    {
        GlitchResult result = GlitchSimulation.Run(24, null, seed);
        Assert.InRange(result.AttemptsFirstHour, 5, 30);
        Assert.InRange(result.AttemptsPerHourSteady, 1, 12);
        Assert.All(result.Hours.Skip(1), hour => Assert.True(hour.Attempts <= 16, "hour " + hour.Hour + ": " + hour.Attempts));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    public void Glitch_InARebootLoop_MeetsTheTargetsAndStillTries(ulong seed)
    {
        GlitchResult result = GlitchSimulation.Run(24, 60, seed);
        Assert.InRange(result.AttemptsFirstHour, 1, 30);
        Assert.InRange(result.AttemptsPerHourSteady, 0.5, 12);
        Assert.All(result.Hours, hour => Assert.True(hour.SafeMode || hour.Hour == 1));

        // Bounded flash wear: one record save (3 file operations) per boot and per attempt.
        Assert.All(result.Hours, hour => Assert.True(hour.FlashWrites <= 3 * (hour.Boots + hour.Attempts + 2), "hour " + hour.Hour));
    }

    [Fact]
    public void Glitch_IsDeterministicForASeed()
    {
        Assert.Equal(GlitchSimulation.Run(6, 60, 42).ResultLine, GlitchSimulation.Run(6, 60, 42).ResultLine);
        Assert.Equal(GlitchSimulation.Run(6, null, 42).ResultLine, GlitchSimulation.Run(6, null, 42).ResultLine);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(7UL)]
    public void Storm_SecureDevice_MeetsTheTargets(ulong seed)
    {
        StormResult result = StormSimulation.Run(StormPolicies.SecureDevice, 10_000, 500, 600, seed);
        Assert.Equal(10_000, result.Connected);
        Assert.True(result.Attempts <= 10_500, result.ResultLine);
        Assert.True(result.PeakPerSecond <= 550, result.ResultLine);
        Assert.True(result.T99Seconds <= 30, result.ResultLine);
    }

    [Fact]
    public void Storm_ReferencePolicies_WasteWhatTheIssueDescribes()
    {
        // At a tenth of the scale (same devices/quota ratio), so the test stays fast.
        StormResult fullJitter = StormSimulation.Run(StormPolicies.FullJitter, 1_000, 50, 600, 3);
        StormResult fixed10 = StormSimulation.Run(StormPolicies.Fixed10, 1_000, 50, 600, 3);
        StormResult ours = StormSimulation.Run(StormPolicies.SecureDevice, 1_000, 50, 600, 3);
        Assert.InRange(fullJitter.Attempts / 1_000.0, 3.0, 6.0);
        Assert.True(fixed10.T99Seconds > 100 && fixed10.PeakPerSecond == 1_000);
        Assert.True(ours.Attempts < fullJitter.Attempts / 3 && ours.PeakPerSecond < fixed10.PeakPerSecond);
    }

    [Fact]
    public void SimCommands_PrintATableAndEndWithOneResultLine()
    {
        ToolResult storm = ToolRun.Run("sim", "storm", "--devices", "2000", "--quota", "100", "--outage-s", "300", "--seed", "5");
        Assert.Equal(0, storm.ExitCode);
        string[] lines = storm.Output.TrimEnd().Split('\n');
        Assert.StartsWith("RESULT attempts=", lines[^1]);
        Assert.Contains(lines, l => l.StartsWith("fixed 1 s", System.StringComparison.Ordinal));

        ToolResult glitch = ToolRun.Run("sim", "glitch", "--hours", "3", "--reboot-every-s", "60");
        Assert.Matches(@"^RESULT attempts_first_hour=\d+ attempts_per_hour_steady=\d+\.\d\d$", glitch.Output.TrimEnd().Split('\n')[^1]);
    }

    [Theory]
    [InlineData("glitch", "--hours", "0")]
    [InlineData("glitch", "--reboot-every-s", "-5")]
    [InlineData("storm", "--devices", "ten")]
    public void SimCommands_BadArguments_OneLineExit2(string sim, string option, string value)
    {
        ToolResult result = ToolRun.Run("sim", sim, option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
    }
}
