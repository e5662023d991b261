using System.Text.RegularExpressions;
using SecureDevice.Lab.Simulation;
using Xunit;

namespace SecureDevice.Tool.Tests;

/// <summary><c>securedevice sim update</c>: a whole update over HTTPS with drops, then a power cut at every flash mutation.</summary>
public sealed class UpdateSimulationTests
{
    [Fact]
    public void Run_EveryCrashPointRecoversAndBuffersDoNotGrowWithTheBundle()
    {
        UpdateSimulationResult small = UpdateSimulation.Run(16, 5, 0.3);
        UpdateSimulationResult large = UpdateSimulation.Run(160, 5, 0.3);
        foreach (UpdateSimulationResult run in new[] { small, large })
        {
            Assert.Empty(run.Failures);
            Assert.True(run.CrashPoints >= run.FlashWrites, run.ResultLine);
            Assert.Equal(run.CrashPoints, run.Recovered);
            Assert.Equal(4096, run.LargestRead);
            Assert.True(run.LargestWrite <= 4096, run.ResultLine);
        }

        Assert.Equal(small.PeakBufferBytes, large.PeakBufferBytes);
        Assert.True(large.Appends >= 160 * 1024 / 4096, large.ResultLine);
        // docs/update-engine.md "Flash writes for one update": 15 to 20, and 3 more for the floor record (state/floor) when
        // the update raises the security floor, as this one does (18 + 3 measured).
        Assert.True(large.FlashWrites - large.Appends <= 23, "fixed writes per update: " + (large.FlashWrites - large.Appends));
        Assert.True(large.InjectedFaults > 0, "the link dropped nothing");
    }

    [Fact]
    public void Command_PrintsTheResultLineLast()
    {
        ToolResult result = ToolRun.Run("sim", "update", "--bundle-kb", "8", "--seed", "3", "--drop-percent", "0");
        Assert.Equal(0, result.ExitCode);
        string[] lines = result.Output.TrimEnd().Split('\n');
        Assert.Matches(new Regex(@"^RESULT flash_writes=\d+ peak_buffer_bytes=\d+ crash_points=(\d+) recovered=\1 ms_per_100kb=[0-9.]+$"), lines[^1]);
    }

    [Fact]
    public void Command_BadSize_ExitsTwoWithOneLine()
    {
        ToolResult result = ToolRun.Run("sim", "update", "--bundle-kb", "0");
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }
}
