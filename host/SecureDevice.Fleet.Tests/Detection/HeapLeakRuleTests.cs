using System;
using SecureDevice.Core.Telemetry;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

public sealed class HeapLeakRuleTests
{
    [Fact]
    public void FreeHeapFallingThreeKiBAnHour_WarnsAfterEightHours()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1") { HeapFree = 150 };
        for (int i = 0; i < 12 * 11 && !driver.Opened(DetectionRule.HeapLeak).GetEnumerator().MoveNext(); i++)
        {
            device.HeapFree = 150 - (long)(i * 3 / 12.0) + (i % 3);
            driver.Reports(device, 1);
        }

        Finding finding = Assert.Single(driver.Opened(DetectionRule.HeapLeak));
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.True(finding.TrustsDevice);
        Assert.InRange(finding.Value, -3.5, -2.5);
        Assert.Contains("native heap", finding.Evidence);
        Assert.InRange((finding.LastSeen - DetectionDriver.T0).TotalHours, 8, 9.5);

        // A reboot frees the leak: nothing is judged (nor cleared) until eight hours of the new boot.
        device.Reboot(BootReason.Planned);
        device.HeapFree = 160;
        driver.Reports(device, 12 * 7);
        Assert.Empty(driver.Cleared(DetectionRule.HeapLeak));
        driver.Reports(device, 12 * 2);
        Assert.Single(driver.Cleared(DetectionRule.HeapLeak));
    }

    [Fact]
    public void FastLeak_IsCritical()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1") { HeapFree = 60, ManagedFree = 100 };
        for (int i = 0; i < 12 * 9; i++)
        {
            device.ManagedFree = 100 - (i * 10 / 12);
            driver.Reports(device, 1);
        }

        Finding finding = Assert.Single(driver.Opened(DetectionRule.HeapLeak), f => f.Severity == FindingSeverity.Critical);
        Assert.Contains("managed heap", finding.Evidence);
    }

    [Fact]
    public void OneKiBAnHourOnASmallHeap_SteepEnoughButUnderTheDecline_DoesNotFlag()
    {
        // Hourly bests fall 1 KiB/h from 77 (exhaustion projected within 72 h), but only 7 KiB across 8 checkpoints:
        // the size of a chance slope of hourly maxima, so no finding.
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1") { HeapFree = null };
        int[] bests = { 77, 76, 75, 74, 73, 72, 71, 70, 69, 68 };
        for (int i = 0; i < 12 * bests.Length; i++)
        {
            device.ManagedFree = bests[i / 12] - (i % 3);
            driver.Reports(device, 1);
        }

        Assert.Empty(driver.Findings);
    }

    [Fact]
    public void DailyCycleAndNoise_OrASlowDecline_DoNotFlag()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1");
        var random = new Random(5);
        for (int i = 0; i < 12 * 48; i++)
        {
            double hours = i / 12.0;
            device.HeapFree = (long)(170 - (6 * Math.Sin(2 * Math.PI * hours / 24)) + random.Next(-3, 4) - (0.5 * Math.Min(hours, 30)));
            driver.Reports(device, 1);
        }

        Assert.Empty(driver.Findings);
    }
}
