using SecureDevice.Core.Telemetry;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

public sealed class BootRulesTests
{
    private static (DetectionDriver, DetectionDriver.Device) Running()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1");
        driver.Reports(device, 12);
        return (driver, device);
    }

    [Fact]
    public void ThreeUncleanBootsWithinAnHour_OpenRebootLoop()
    {
        var (driver, device) = Running();
        device.Reboot(BootReason.Unclean);
        driver.Report(device, 240);
        device.Reboot(BootReason.Unclean);
        driver.Report(device, 240);
        Assert.Empty(driver.Findings);
        device.Reboot(BootReason.Fault);
        Finding finding = Assert.Single(driver.Report(device, 240));
        Assert.Equal("reboot-loop", finding.Code);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.True(finding.TrustsDevice);
        Assert.Equal(3, finding.Value);

        // Stable again: the boots age out of the hour and the finding clears on a tick.
        driver.Reports(device, 14);
        Assert.Single(driver.Cleared(DetectionRule.RebootLoop));
    }

    [Fact]
    public void TwoUncleanBoots_OrPlannedBoots_AreNoLoop()
    {
        var (driver, device) = Running();
        device.Reboot(BootReason.Unclean);
        driver.Report(device, 240);
        device.Reboot(BootReason.Unclean);
        driver.Report(device, 240);
        for (int i = 0; i < 4; i++)
        {
            device.Reboot(i % 2 == 0 ? BootReason.Update : BootReason.Planned);
            driver.Report(device, 240);
        }

        Assert.Empty(driver.Findings);
    }

    [Fact]
    public void BootsBetweenReports_CountAsUnknown()
    {
        // The device rebooted three times before it got a report out: boot count jumps by three.
        var (driver, device) = Running();
        device.Reboot(BootReason.Unclean);
        device.BootCount += 2;
        Assert.Single(driver.Report(device, 240), f => f.Rule == DetectionRule.RebootLoop);
    }

    [Fact]
    public void SafeModeFlag_OpensRebootLoop()
    {
        var (driver, device) = Running();
        device.Flags |= HealthFlags.SafeMode;
        Finding finding = Assert.Single(driver.Report(device));
        Assert.Equal(DetectionRule.RebootLoop, finding.Rule);
        Assert.Contains("safe mode", finding.Evidence);
    }

    [Fact]
    public void FaultEventAndReportOfTheSameBoot_CountOnce()
    {
        var (driver, device) = Running();
        device.Reboot(BootReason.Fault);
        driver.Take(driver.Engine.OnFault("d1", "main-loop", device.BootCount, driver.Now.AddSeconds(10)));
        driver.Report(device, 240);
        device.Reboot(BootReason.Fault);
        driver.Take(driver.Engine.OnFault("d1", "main-loop", device.BootCount, driver.Now.AddSeconds(10)));
        driver.Report(device, 240);
        Assert.Empty(driver.Findings);
    }

    // A floor-save failure is recorded while the device runs, not before a fault reboot: three within the hour, each
    // arriving before its boot's report, open no reboot-loop, where three main-loop faults do.
    [Theory]
    [InlineData("floor-save-failed", false)]
    [InlineData("main-loop", true)]
    public void FaultEventsBeforeTheirReports_OnlyFaultRebootsCount(string code, bool loop)
    {
        var (driver, device) = Running();
        for (int i = 0; i < 3; i++)
        {
            device.Reboot(BootReason.Planned);
            driver.Take(driver.Engine.OnFault("d1", code, device.BootCount, driver.Now));
            driver.Report(device, 240);
        }

        Assert.Equal(loop, driver.Findings.Exists(f => f.Rule == DetectionRule.RebootLoop));
    }

    [Fact]
    public void FiveUncleanBootsInADay_WarnUncleanBoots_FourDoNot()
    {
        var (driver, device) = Running();
        for (int i = 0; i < 4; i++)
        {
            device.Reboot(BootReason.Unclean);
            driver.Reports(device, 48);
        }

        Assert.Empty(driver.Findings);
        device.Reboot(BootReason.Unclean);
        Finding finding = Assert.Single(driver.Report(device));
        Assert.Equal("unclean-boots", finding.Code);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Equal(5, finding.Value);
        Assert.Empty(driver.Opened(DetectionRule.RebootLoop));
    }

    [Fact]
    public void FirstBootAfterProvisioning_IsNotCounted()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1");
        driver.Report(device, 60);
        device.Reboot(BootReason.Unclean);
        driver.Report(device, 60);
        device.Reboot(BootReason.Unclean);
        driver.Report(device, 60);
        Assert.Empty(driver.Findings);
    }
}
