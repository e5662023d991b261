using System;
using System.Linq;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

public sealed class SilenceRuleTests
{
    [Fact]
    public void NoReportForTwoAndAHalfIntervalsPlusJitter_OpensSilence_AReportClearsIt()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1");
        driver.Reports(device, 3);
        DateTime last = driver.Now;
        Assert.Empty(driver.Take(driver.Engine.Tick(last.AddSeconds(825))));
        Finding finding = Assert.Single(driver.Take(driver.Engine.Tick(last.AddSeconds(826))));
        Assert.Equal("silence", finding.Code);
        Assert.False(finding.TrustsDevice);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Empty(driver.Take(driver.Engine.Tick(last.AddSeconds(3000))));
        driver.Now = last.AddSeconds(3300);
        Finding cleared = Assert.Single(driver.Report(device, 0));
        Assert.Equal(FindingState.Cleared, cleared.State);
    }

    [Fact]
    public void AProductWideOutage_RaisesNoSilenceFindings()
    {
        var driver = new DetectionDriver();
        var devices = Enumerable.Range(0, 20).Select(i => new DetectionDriver.Device("d" + i)).ToArray();
        driver.Register(devices.Select(d => d.Id).ToArray());
        foreach (var d in devices)
        {
            driver.Take(driver.Engine.OnHealthReport(d.Id, d.Sample(), driver.Now));
        }

        for (int s = 60; s <= 7200; s += 60)
        {
            driver.Take(driver.Engine.Tick(driver.Now.AddSeconds(s)));
        }

        Assert.Empty(driver.Findings);
    }

    [Fact]
    public void ADeviceInSafeMode_IsGivenAnHour()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1") { Flags = SecureDevice.Core.Telemetry.HealthFlags.SafeMode };
        driver.Report(device);
        DateTime last = driver.Now;
        Assert.DoesNotContain(driver.Take(driver.Engine.Tick(last.AddSeconds(3600 * 2.5))), f => f.Rule == DetectionRule.Silence);
        Assert.Contains(driver.Take(driver.Engine.Tick(last.AddSeconds(3600 * 2.8))), f => f.Rule == DetectionRule.Silence);
    }
}
