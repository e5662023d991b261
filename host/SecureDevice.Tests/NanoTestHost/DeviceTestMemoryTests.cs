using System;
using System.Globalization;
using System.IO;
using System.Linq;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.NanoTestHost;

/// <summary>
/// Every device test must fit a board: an ESP32 without PSRAM has about 100-160 KB of managed heap for the test launcher,
/// the core and the test, so each test keeps at most 64 KiB alive at once. The runner measures it in a process of its own
/// (NanoTestFramework.Runner memory: full collections sampled while each case runs; see LiveMemoryProbe).
/// </summary>
public sealed class DeviceTestMemoryTests
{
    /// <summary>Most bytes a device test may keep alive at once.</summary>
    public const long BudgetBytes = 64 * 1024;

    [Fact]
    public void EveryDeviceTest_KeepsItsLiveDataUnderTheBudget()
    {
        string runner = Path.Combine(AppContext.BaseDirectory, "NanoTestFramework.Runner.dll");
        ProcessResult run = ExternalProcess.Run("dotnet", new[] { runner, "memory" }, timeout: TimeSpan.FromMinutes(5));
        Assert.True(run.ExitCode == 0, "the memory run failed: " + run.Error);
        var cases = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Select(f => (Live: long.Parse(f[0], CultureInfo.InvariantCulture), Allocated: long.Parse(f[1], CultureInfo.InvariantCulture), Id: f[3]))
            .ToList();
        Assert.True(cases.Count > 400, "only " + cases.Count + " cases measured");

        // The probe must see what a test holds: the largest live figure cannot be near zero in a suite with flash images.
        Assert.True(cases.Max(c => c.Live) > 8 * 1024, "the probe saw no live data at all");
        var over = cases.Where(c => c.Live > BudgetBytes).OrderByDescending(c => c.Live).ToList();
        Assert.True(over.Count == 0, over.Count + " device tests keep more than " + BudgetBytes + " bytes alive:\n"
            + string.Join("\n", over.Select(c => c.Live.ToString("N0", CultureInfo.InvariantCulture) + " " + c.Id)));
    }
}
