using System;
using System.Threading;
using SecureDevice.VirtualDevice;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The virtual device's scaled monotonic clock (the lab feature the live browser tests run the devices with; here because
/// this project owns those tests): range, speed, and the real wait for a device wait.
/// </summary>
public sealed class DeviceClockTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(DeviceClock.MaxScale + 1)]
    [InlineData(int.MaxValue)]
    public void Constructor_ScaleOutOfRange_RefusedWithOneLine(int scale)
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => new DeviceClock(scale));
        Assert.False(DeviceClock.IsValid(scale));
        Assert.StartsWith(DeviceClock.Describe(scale), refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', DeviceClock.Describe(scale));
        Assert.Contains("1 (real time) .. 3600", DeviceClock.Describe(scale), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(120)]
    [InlineData(DeviceClock.MaxScale)]
    public void NowMs_RunsScaleTimesFasterThanTheHostClock(int scale)
    {
        var clock = new DeviceClock(scale);
        long hostBefore = Environment.TickCount64, before = clock.NowMs;
        Thread.Sleep(60);
        long deviceElapsed = clock.NowMs - before, hostElapsed = Environment.TickCount64 - hostBefore;
        // Read in between the two host readings: within one host tick (~1-16 ms) of scale times the host's elapsed time.
        Assert.InRange(deviceElapsed, (hostElapsed - 20) * scale, (hostElapsed + 20) * scale);
        Assert.True(deviceElapsed >= 40L * scale, deviceElapsed + " device ms after 60 real ms at " + scale + "x");
        Assert.Equal(scale, clock.Scale);
    }

    [Theory]
    [InlineData(1, 1000, 1000)]
    [InlineData(120, 60_000, 500)]
    [InlineData(120, 121, 2)] // rounded up: a wait never ends before the device's deadline
    [InlineData(120, 1, 1)]
    [InlineData(120, 0, 0)]
    [InlineData(120, -5, 0)]
    [InlineData(1, long.MaxValue, int.MaxValue)]
    public void ToRealMs_DeviceWait_RealWaitRoundedUpAndClamped(int scale, long deviceMs, int realMs) =>
        Assert.Equal(realMs, new DeviceClock(scale).ToRealMs(deviceMs));

    [Fact]
    public void SimulatedIdleProbe_OnAScaledClock_CountsDeviceTime()
    {
        // The core turns iterations per probe-millisecond back into a load: both run on the device's clock, so the load
        // set on the simulated board is the load the core computes at any scale.
        var source = new SimulatedHealthSource(7, new DeviceClock(120));
        Assert.True(source.TryReadIdleProgress(out int iterations0, out int ms0));
        Thread.Sleep(50);
        Assert.True(source.TryReadIdleProgress(out int iterations1, out int ms1));
        long elapsed = ms1 - ms0;
        Assert.True(elapsed >= 40 * 120, elapsed + " probe ms after 50 real ms at 120x");
        double idle = (iterations1 - iterations0) / (elapsed * (SimulatedHealthSource.IdleRate / 1000.0));
        Assert.InRange(idle, 0.92, 0.96); // 6 % load (±1 % noise)
    }
}
