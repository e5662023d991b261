using System.Linq;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

/// <summary>The <c>outside-acl</c> rule: publishes the broker refused (docs/detection.md).</summary>
public sealed class OutsideAclRuleTests
{
    [Fact]
    public void Window_NoRefusal_NeverFlags()
    {
        var driver = new DetectionDriver();
        for (int i = 0; i < 12 * 24; i++)
        {
            driver.Window("d1", messages: 3, malformed: 0, refused: 0);
        }

        Assert.Empty(driver.Findings);
    }

    [Fact]
    public void Window_OneRefusal_WarnsWithoutTrustingTheDevice()
    {
        var driver = new DetectionDriver();
        Finding finding = Assert.Single(driver.Window("d1", refused: 1));
        Assert.Equal("outside-acl", finding.Code);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.False(finding.TrustsDevice);
        Assert.Equal(12.0, finding.Value); // 1 in 5 minutes: 12 an hour
        Assert.StartsWith("1 publishes in 5 min refused by the broker's access control", finding.Evidence);
    }

    [Theory]
    [InlineData(9, FindingSeverity.Warning)]
    [InlineData(10, FindingSeverity.Critical)]
    public void Window_TenOrMoreRefused_IsCritical(int refused, FindingSeverity expected)
    {
        var driver = new DetectionDriver();
        Finding finding = Assert.Single(driver.Window("d1", refused: refused));
        Assert.Equal(expected, finding.Severity);
    }

    [Fact]
    public void Window_WarningThenBurst_SeverityRisesOnce()
    {
        var driver = new DetectionDriver();
        driver.Window("d1", refused: 2);
        driver.Window("d1", refused: 50);
        driver.Window("d1", refused: 50);
        Assert.Equal(new[] { FindingSeverity.Warning, FindingSeverity.Critical }, driver.Opened(DetectionRule.OutsideAcl).Select(f => f.Severity).ToArray());
    }

    [Fact]
    public void Window_BacklogStillJudged()
    {
        // The broker counted the refusals when they happened; a backlog window's arrival pace does not change them.
        var driver = new DetectionDriver();
        Assert.Single(driver.Window("d1", refused: 3, backlog: true));
    }

    [Fact]
    public void Window_ClearsOnlyAfterAnHourQuiet()
    {
        var driver = new DetectionDriver();
        driver.Window("d1", refused: 4);
        for (int i = 0; i < 11; i++)
        {
            driver.Window("d1");
        }

        Assert.Empty(driver.Cleared(DetectionRule.OutsideAcl));
        driver.Window("d1");
        Assert.Single(driver.Cleared(DetectionRule.OutsideAcl));
    }

    [Fact]
    public void ExportImport_OpenFindingSurvives()
    {
        var driver = new DetectionDriver();
        driver.Window("d1", refused: 4);
        byte[] state = driver.Engine.ExportState("d1")!;
        var engine = new DetectionEngine();
        Assert.Equal("d1", engine.ImportState(state));
        Assert.Equal(state, engine.ExportState("d1"));
        // Restored open: a further refusal raises nothing new (no second opening alert).
        Assert.Empty(engine.OnTraffic("d1", new TrafficWindow(DetectionDriver.T0.AddMinutes(5), DetectionDriver.T0.AddMinutes(10), 3, 600, 1, 100, 0, 0, false, 4)));
    }
}
