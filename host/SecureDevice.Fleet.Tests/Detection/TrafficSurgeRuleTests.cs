using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

public sealed class TrafficSurgeRuleTests
{
    private static DetectionDriver Warm()
    {
        var driver = new DetectionDriver();
        for (int i = 0; i < 24; i++)
        {
            driver.Window("d1", messages: 3, bytes: 2000 + (i % 3 * 100));
        }

        Assert.Empty(driver.Findings);
        return driver;
    }

    [Fact]
    public void BytesUpTenfoldForTwoWindows_OpensAWarningThenClears()
    {
        DetectionDriver driver = Warm();
        Assert.Empty(driver.Window("d1", messages: 10, bytes: 20_000));
        Finding finding = Assert.Single(driver.Window("d1", messages: 10, bytes: 20_000));
        Assert.Equal("traffic-surge", finding.Code);
        Assert.False(finding.TrustsDevice);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Equal(240_000, finding.Value);
        for (int i = 0; i < 6; i++)
        {
            driver.Window("d1", messages: 3, bytes: 2000);
        }

        Assert.Single(driver.Cleared(DetectionRule.TrafficSurge));
    }

    [Fact]
    public void OneSpikeWindow_OrLessThanDoubled_DoesNotFlag()
    {
        DetectionDriver driver = Warm();
        driver.Window("d1", messages: 10, bytes: 20_000);
        for (int i = 0; i < 6; i++)
        {
            driver.Window("d1", messages: 3, bytes: 2000);
        }

        for (int i = 0; i < 24; i++)
        {
            driver.Window("d1", messages: 3, bytes: 3900);
        }

        Assert.Empty(driver.Findings);
    }
}
