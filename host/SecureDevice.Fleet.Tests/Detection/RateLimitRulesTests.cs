using System.Linq;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

public sealed class RateLimitRulesTests
{
    [Fact]
    public void FirmwareLimits_AreWhatTheCoreLimiterLetsOut()
    {
        // At one instant a fresh limiter sends its three bursts; over an hour of asking every second, bursts plus the hourly rates.
        var limiter = new PublishLimiter();
        int atOnce = 0;
        for (int c = 0; c < PublishLimiter.ClassCount; c++)
        {
            while (limiter.Decide((MessageClass)c, 0, false) == PublishDecision.Send)
            {
                atOnce++;
            }
        }

        Assert.Equal(FirmwareLimits.MessageBurst, atOnce);
        int inAnHour = 0;
        for (long ms = 1000; ms <= 3_600_000; ms += 1000)
        {
            for (int c = 0; c < PublishLimiter.ClassCount; c++)
            {
                inAnHour += limiter.Decide((MessageClass)c, ms, false) == PublishDecision.Send ? 1 : 0;
            }
        }

        Assert.InRange(inAnHour, FirmwareLimits.MessagesPerHour - 3, FirmwareLimits.MessagesPerHour);
    }

    [Fact]
    public void TheFirmwaresWorstCase_NeverFloods()
    {
        // A device at its limiter's maximum for six hours, reconnecting (fresh limiter, status, boot report) every 40 minutes.
        var driver = new DetectionDriver();
        var limiter = new PublishLimiter();
        long sent = 0;
        int connects = 1;
        sent += FirmwareLimits.MessagesPerConnect;
        for (int second = 1; second <= 6 * 3600; second++)
        {
            if (second % 2400 == 0)
            {
                limiter = new PublishLimiter();
                connects++;
                sent += FirmwareLimits.MessagesPerConnect;
            }

            for (int c = 0; c < PublishLimiter.ClassCount; c++)
            {
                sent += limiter.Decide((MessageClass)c, second * 1000L, false) == PublishDecision.Send ? 1 : 0;
            }

            if (second % 300 == 0)
            {
                driver.Window("d1", sent, sent * 100, connects);
                sent = 0;
                connects = 0;
            }
        }

        Assert.Empty(driver.Findings);
    }

    [Fact]
    public void AFlood_OpensCriticalAtOnceAndClearsAfterItStops()
    {
        var driver = new DetectionDriver();
        for (int i = 0; i < 6; i++)
        {
            driver.Window("d1");
        }

        Finding finding = Assert.Single(driver.Window("d1", messages: 120, bytes: 12_000));
        Assert.Equal("message-flood", finding.Code);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.False(finding.TrustsDevice);
        Assert.Equal(120 * 12, finding.Value);
        Assert.Equal(FirmwareLimits.MessagesPerHour, finding.Baseline);
        Assert.Empty(driver.Window("d1", messages: 120));
        for (int i = 0; i < 12; i++)
        {
            driver.Window("d1");
        }

        Assert.Single(driver.Cleared(DetectionRule.MessageFlood));
        Assert.Single(driver.Opened(DetectionRule.MessageFlood));
    }

    [Fact]
    public void JustAboveTheShadowBucket_Floods_JustBelow_DoesNot()
    {
        // Shadow bucket: 4 boots × 23 at once, 2 × 210 per hour (35 per 5 minutes).
        var below = new DetectionDriver();
        below.Window("d1", messages: 92);
        for (int i = 0; i < 24; i++)
        {
            below.Window("d1", messages: 35);
        }

        Assert.Empty(below.Findings);
        var above = new DetectionDriver();
        above.Window("d1", messages: 92);
        above.Window("d1", messages: 36);
        Assert.Single(above.Opened(DetectionRule.MessageFlood));
    }

    [Fact]
    public void BacklogWindows_AreNotJudgedForRates()
    {
        var driver = new DetectionDriver();
        driver.Take(driver.Engine.OnTraffic("d1", new TrafficWindow(DetectionDriver.T0, DetectionDriver.T0.AddMinutes(5), 500, 50_000, 0, 0, 0, 0, Backlog: true)));
        Assert.Empty(driver.Findings);
    }

    [Fact]
    public void TheFirmwaresFastReconnectPhaseThenBackoff_IsNoStorm()
    {
        // 46 connections in the first quarter-hour after losing a stable link, then about 8 an hour.
        var driver = new DetectionDriver();
        driver.Window("d1", connects: 16);
        driver.Window("d1", connects: 15);
        driver.Window("d1", connects: 15);
        for (int i = 0; i < 48; i++)
        {
            driver.Window("d1", connects: i % 3 == 0 ? 1 : 0, messages: 1);
        }

        Assert.Empty(driver.Findings);
    }

    [Fact]
    public void AConnectionEveryTenSeconds_OpensReconnectStorm()
    {
        var driver = new DetectionDriver();
        driver.Window("d1", connects: 30, messages: 30);
        Finding finding = Assert.Single(driver.Window("d1", connects: 30, messages: 30));
        Assert.Equal("reconnect-storm", finding.Code);
        Assert.False(finding.TrustsDevice);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Empty(driver.Opened(DetectionRule.MessageFlood));
    }

    [Fact]
    public void InvalidData_TwoAreTolerated_ThreeWarn_MostlyGarbageIsCritical()
    {
        var tolerated = new DetectionDriver();
        tolerated.Window("d1", malformed: 2);
        Assert.Empty(tolerated.Findings);

        var warned = new DetectionDriver();
        Finding warning = Assert.Single(warned.Window("d1", malformed: 3));
        Assert.Equal("invalid-data", warning.Code);
        Assert.Equal(FindingSeverity.Warning, warning.Severity);
        Assert.False(warning.TrustsDevice);

        var garbage = new DetectionDriver();
        Finding critical = Assert.Single(garbage.Window("d1", messages: 40, malformed: 30));
        Assert.Equal(FindingSeverity.Critical, critical.Severity);
    }

    [Fact]
    public void InvalidData_OneAnHour_NeverFlags()
    {
        var driver = new DetectionDriver();
        for (int i = 0; i < 12 * 48; i++)
        {
            driver.Window("d1", malformed: i % 12 == 0 ? 1 : 0);
        }

        Assert.Empty(driver.Findings);
    }
}
