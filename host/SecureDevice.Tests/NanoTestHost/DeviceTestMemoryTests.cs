using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using NanoTestFramework.Runner;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.NanoTestHost;

/// <summary>
/// Every device test must fit a board: an ESP32 without PSRAM has about 100-160 KB of managed heap for the test launcher,
/// the core and the test, so each test keeps at most 64 KiB alive at once. The runner measures it in a process of its own
/// (NanoTestFramework.Runner memory: full collections sampled while each case runs; see LiveMemoryProbe), after a first
/// pass whose one-time allocations (the host runtime's, the core's static tables) it reports as a line of their own,
/// held to the same budget. The probe itself is checked on cases whose memory is known (ProbeCalibration).
/// </summary>
public sealed class DeviceTestMemoryTests
{
    /// <summary>Most bytes a device test may keep alive at once.</summary>
    public const long BudgetBytes = 64 * 1024;

    [Fact]
    public void EveryDeviceTest_KeepsItsLiveDataUnderTheBudget()
    {
        var cases = Measure("memory");
        Assert.True(cases.Count > 400, "only " + cases.Count + " cases measured");

        // The probe must see what a test holds: the largest live figure cannot be near zero in a suite with flash images.
        Assert.True(cases.Max(c => c.Live) > 8 * 1024, "the probe saw no live data at all");
        var over = cases.Where(c => c.Live > BudgetBytes).OrderByDescending(c => c.Live).ToList();
        Assert.True(over.Count == 0, over.Count + " device tests keep more than " + BudgetBytes + " bytes alive:\n"
            + string.Join("\n", over.Select(c => c.Live.ToString("N0", CultureInfo.InvariantCulture) + " " + c.Id)));
    }

    [Fact]
    public void Probe_SeesWhatACaseHoldsAndNotItsGarbage()
    {
        var cases = Measure("calibrate").ToDictionary(c => c.Id.Substring(c.Id.LastIndexOf('.') + 1), c => c);
        Assert.Equal(3, cases.Count);

        // A held array is reported whole (over the budget, as a device test holding it must be), a list of small arrays
        // with their headers, and 64 MB of garbage as next to nothing.
        var large = cases[nameof(ProbeCalibration.HoldsOneLargeArray)];
        Assert.InRange(large.Live, ProbeCalibration.LargeArrayBytes, ProbeCalibration.LargeArrayBytes + 4096);
        Assert.True(large.Live > BudgetBytes);
        var small = cases[nameof(ProbeCalibration.HoldsManySmallArrays)];
        Assert.InRange(small.Live, ProbeCalibration.SmallArrays * ProbeCalibration.SmallArrayBytes, 2 * ProbeCalibration.SmallArrays * ProbeCalibration.SmallArrayBytes);
        var garbage = cases[nameof(ProbeCalibration.AllocatesGarbageOnly)];
        Assert.True(garbage.Allocated >= ProbeCalibration.GarbageBytes, "allocated only " + garbage.Allocated);
        Assert.InRange(garbage.Live, 0, 4096);
    }

    private static List<(long Live, long Allocated, string Id)> Measure(string command)
    {
        string runner = Path.Combine(AppContext.BaseDirectory, "NanoTestFramework.Runner.dll");
        // 1.5 min alone at load average 30; 5 min ran out inside a full run at that load.
        ProcessResult run = ExternalProcess.Run("dotnet", new[] { runner, command }, timeout: TimeSpan.FromMinutes(12));
        Assert.True(run.ExitCode == 0, "the memory run failed: " + run.Error);
        return run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Select(f => (Live: long.Parse(f[0], CultureInfo.InvariantCulture), Allocated: long.Parse(f[1], CultureInfo.InvariantCulture), Id: f[3]))
            .ToList();
    }
}
