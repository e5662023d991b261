using System.Linq;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

public sealed class CoinMinerRuleTests
{
    private static (DetectionDriver Driver, DetectionDriver.Device Device) Warm()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1");
        Assert.Empty(driver.Reports(device, 24));
        return (driver, device);
    }

    [Fact]
    public void LoadCurrentAndBandwidthUp_OpensCriticalOnTheSecondReport()
    {
        var (driver, device) = Warm();
        device.Load = 95;
        device.Current = 130;
        device.BytesUp = 20_000;
        device.BytesDown = 8_000;
        Assert.Empty(driver.Reports(device, 1));
        Finding finding = Assert.Single(driver.Reports(device, 1));
        Assert.Equal("coin-miner", finding.Code);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Equal(FindingState.Open, finding.State);
        Assert.True(finding.TrustsDevice);
        Assert.Equal(95, finding.Value);
        Assert.InRange(finding.Baseline, 7, 9);
        Assert.Contains("bandwidth up", finding.Evidence);
        Assert.Contains("unchanged", finding.Evidence);

        // Still mining: no repeat; stopped: clears after ClearSamples normal reports, once.
        Assert.Empty(driver.Reports(device, 5));
        device.Load = 8;
        device.Current = 80;
        device.BytesUp = 300;
        device.BytesDown = 50;
        var after = driver.Reports(device, 10);
        Assert.Single(after, f => f.State == FindingState.Cleared && f.Rule == DetectionRule.CoinMiner);
        Assert.Single(driver.Opened(DetectionRule.CoinMiner));
    }

    [Fact]
    public void LoadAndCurrentUpWithoutTraffic_IsAWarning()
    {
        var (driver, device) = Warm();
        device.Load = 95;
        device.Current = 130;
        driver.Reports(device, 2);
        Finding finding = Assert.Single(driver.Opened(DetectionRule.CoinMiner));
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains("bandwidth normal", finding.Evidence);
    }

    [Fact]
    public void LoadAloneWithoutCurrentMonitor_IsAWarningFromTheSecondReport()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1") { Current = null };
        Assert.Empty(driver.Reports(device, 24));
        device.Load = 95;
        Assert.Empty(driver.Reports(device, 1));
        Finding finding = Assert.Single(driver.Reports(device, 1));
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Contains("no current monitor", finding.Evidence);
    }

    [Fact]
    public void LoadUpWhileThePresentCurrentMonitorShowsNoRise_WarnsOnlyFromTheThirdReport()
    {
        var (driver, device) = Warm();
        device.Load = 95;
        Assert.Empty(driver.Reports(device, 2));
        Assert.Equal(FindingSeverity.Warning, Assert.Single(driver.Reports(device, 1)).Severity);
    }

    [Fact]
    public void LoadRiseBelowTheLeastMeaningfulRise_DoesNotFlag()
    {
        var (driver, device) = Warm();
        device.Load = 8 + 24;
        device.Current = 80 + 14;
        device.BytesUp = 900;
        Assert.Empty(driver.Reports(device, 50));
    }

    [Fact]
    public void OneBusyReport_DoesNotFlag()
    {
        var (driver, device) = Warm();
        device.Load = 95;
        device.Current = 130;
        device.BytesUp = 20_000;
        driver.Reports(device, 1);
        device.Load = 8;
        device.Current = 80;
        device.BytesUp = 300;
        Assert.Empty(driver.Reports(device, 20));
    }

    [Fact]
    public void SameRiseWithAVersionChange_DoesNotFlag()
    {
        // A new version may draw more: its history starts over (and a lone device has no ready cohort to compare with).
        var (driver, device) = Warm();
        device.Version = new FirmwareVersion(1, 1, 0, 1);
        device.Load = 95;
        device.Current = 130;
        device.BytesUp = 20_000;
        Assert.Empty(driver.Reports(device, 30));
    }

    [Fact]
    public void NewDeviceAboveItsCohort_IsJudgedByTheCohort()
    {
        var driver = new DetectionDriver();
        var devices = Enumerable.Range(0, 12).Select(i => new DetectionDriver.Device("c" + i) { Load = 6 + (i % 4), Current = 75 + i }).ToArray();
        driver.Register(devices.Select(d => d.Id).ToArray());
        for (int r = 0; r < 14; r++)
        {
            foreach (var d in devices)
            {
                driver.Take(driver.Engine.OnHealthReport(d.Id, d.Sample(), driver.Now));
                d.Uptime += 300;
            }

            driver.Now = driver.Now.AddSeconds(300);
            driver.Take(driver.Engine.Tick(driver.Now));
        }

        Assert.Empty(driver.Findings);

        // A newcomer of the same product and version that mines from its first report: no own baseline, the cohort flags it.
        driver.Register("new");
        var newcomer = new DetectionDriver.Device("new") { Load = 96, Current = 140, Uptime = 300 };
        driver.Report(newcomer);
        driver.Report(newcomer);
        driver.Report(newcomer);
        Finding finding = Assert.Single(driver.Opened(DetectionRule.CoinMiner));
        Assert.Equal("new", finding.DeviceId);
        Assert.InRange(finding.Baseline, 6, 10);
    }
}
