using System;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Update;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

/// <summary>certificate-expiry, version-drift, update-rejected, storage-failed and floor-save-failed (faults and report flags).</summary>
public sealed class RegistryRulesTests
{
    [Fact]
    public void CertificateExpiry_WarnsWithinThirtyDays_CriticalWithinSeven_NotAtThirtyOne()
    {
        var driver = new DetectionDriver();
        DateTime now = DetectionDriver.T0;
        Assert.Empty(driver.Engine.Register("far", new DeviceRegistration("sensor", now.AddDays(31)), now));
        Finding warning = Assert.Single(driver.Engine.Register("near", new DeviceRegistration("sensor", now.AddDays(29)), now));
        Assert.Equal("certificate-expiry", warning.Code);
        Assert.Equal(FindingSeverity.Warning, warning.Severity);
        Assert.False(warning.TrustsDevice);
        Assert.Equal(29, warning.Value, 3);

        // Time passes: "far" warns a day later, "near" rises to critical at 7 days.
        driver.Take(driver.Engine.Tick(now.AddDays(1.5)));
        Assert.Single(driver.Opened(DetectionRule.CertificateExpiry), f => f.DeviceId == "far");
        driver.Take(driver.Engine.Tick(now.AddDays(22.5)));
        Assert.Single(driver.Findings, f => f.DeviceId == "near" && f.Severity == FindingSeverity.Critical);

        // A renewed certificate clears it.
        Finding cleared = Assert.Single(driver.Engine.Register("near", new DeviceRegistration("sensor", now.AddDays(400)), now.AddDays(23)));
        Assert.Equal(FindingState.Cleared, cleared.State);
    }

    [Fact]
    public void VersionDrift_AfterTheGrace_CriticalWhenBehindOnSecurity()
    {
        var driver = new DetectionDriver().Register("d1", "d2");
        var old = new DetectionDriver.Device("d1");
        var patch = new DetectionDriver.Device("d2") { Version = new FirmwareVersion(1, 1, 0, 2) };
        driver.Engine.SetTargetVersion("sensor", new FirmwareVersion(1, 1, 1, 2), driver.Now);
        for (int i = 0; i < 12 * 23; i++)
        {
            driver.Report(old);
            driver.Report(patch, 0);
        }

        Assert.Empty(driver.Findings);
        for (int i = 0; i < 12 * 2; i++)
        {
            driver.Report(old);
            driver.Report(patch, 0);
        }

        Assert.Single(driver.Opened(DetectionRule.VersionDrift), f => f.DeviceId == "d1" && f.Severity == FindingSeverity.Critical);
        Assert.Single(driver.Opened(DetectionRule.VersionDrift), f => f.DeviceId == "d2" && f.Severity == FindingSeverity.Warning);

        // Updated: it clears.
        old.Version = new FirmwareVersion(1, 1, 1, 2);
        driver.Report(old);
        Assert.Single(driver.Cleared(DetectionRule.VersionDrift), f => f.DeviceId == "d1");
    }

    [Fact]
    public void UpdateRejected_TamperedIsCriticalAtOnce_NonSecurityOutcomesAreNot()
    {
        var driver = new DetectionDriver();
        Assert.Empty(driver.Engine.OnUpdateOutcome("d1", UpdateOutcomeCode.Of(UpdateOutcome.DownloadFailed), driver.Now));
        Assert.Empty(driver.Engine.OnUpdateOutcome("d1", UpdateOutcomeCode.Of(UpdateOutcome.Confirmed), driver.Now));
        Assert.Empty(driver.Engine.OnUpdateOutcome("d1", UpdateOutcomeCode.Of(UpdateOutcome.RevertedBootLimit), driver.Now));
        Finding finding = Assert.Single(driver.Engine.OnUpdateOutcome("d1", UpdateOutcomeCode.Of(UpdateOutcomes.Rejected(BundleStatus.ManifestSignatureInvalid)), driver.Now));
        Assert.Equal("update-rejected", finding.Code);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.True(finding.TrustsDevice);
        Assert.Contains("tampered", finding.Evidence);
        Assert.Single(driver.Engine.OnUpdateOutcome("d2", UpdateOutcomeCode.Of(UpdateOutcomes.Rejected(BundleStatus.KeyRevoked)), driver.Now));
        Assert.Single(driver.Engine.OnUpdateOutcome("d3", UpdateOutcomeCode.Of(UpdateOutcome.OfferMismatch), driver.Now));

        // Quiet for a week: cleared.
        Assert.Empty(driver.Engine.Tick(driver.Now.AddDays(6.9)));
        Assert.Equal(3, driver.Engine.Tick(driver.Now.AddDays(7.1)).Count);
    }

    [Fact]
    public void UpdateRejected_RollbackWarns_TheThirdInADayIsCritical()
    {
        var driver = new DetectionDriver();
        int rollback = UpdateOutcomeCode.Of(UpdateOutcomes.Rejected(BundleStatus.SecurityVersionRollback));
        Finding first = Assert.Single(driver.Engine.OnUpdateOutcome("d1", rollback, driver.Now));
        Assert.Equal(FindingSeverity.Warning, first.Severity);
        Assert.Empty(driver.Engine.OnUpdateOutcome("d1", rollback, driver.Now.AddHours(1)));
        Finding third = Assert.Single(driver.Engine.OnUpdateOutcome("d1", rollback, driver.Now.AddHours(2)));
        Assert.Equal(FindingSeverity.Critical, third.Severity);
        Assert.Equal(FindingState.Open, third.State);
    }

    [Fact]
    public void UpdateRejected_RollbackRefusedFault_CriticalAtOnce()
    {
        // A boot that found the journal lost and refused the older signed slot: erased state or failing flash, critical the
        // first time, and the evidence is the service's own words (the call carries no device text).
        var driver = new DetectionDriver();
        Finding finding = Assert.Single(driver.Engine.OnFault("d1", "rollback-refused", 1, driver.Now));
        Assert.Equal("update-rejected", finding.Code);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.True(finding.TrustsDevice);
        Assert.Contains("update state lost", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void UpdateRejected_OtherFaultCodes_NoFinding()
    {
        var driver = new DetectionDriver();
        Assert.Empty(driver.Engine.OnFault("d1", "main-loop", 1, driver.Now));
        Assert.Empty(driver.Engine.OnFault("d2", "out-of-memory", 1, driver.Now));
        Assert.Empty(driver.Engine.OnFault("d3", "rollback-refused-x", 1, driver.Now));
        Assert.Empty(driver.Engine.OnFault("d4", null, 1, driver.Now));
        // Both update records unreadable is failing flash, not an erased state: storage-failed, never update-rejected.
        Assert.DoesNotContain(driver.Engine.OnFault("d5", "floor-unknown", 1, driver.Now), f => f.Rule == DetectionRule.UpdateRejected);
        Assert.Empty(driver.Engine.OnFault("d6", "floor-unknown-x", 1, driver.Now));
        // A refused floor-record save is its own warning, never update-rejected or storage-failed.
        Assert.All(driver.Engine.OnFault("d7", "floor-save-failed", 1, driver.Now), f => Assert.Equal(DetectionRule.FloorSaveFailed, f.Rule));
        Assert.Empty(driver.Engine.OnFault("d8", "floor-save-failed-x", 1, driver.Now));
    }

    [Fact]
    public void StorageFailed_FloorUnknownFault_CriticalAtOnce_ServiceEvidence()
    {
        // A boot that could read neither update record runs no application: the owner must hear at once. The call carries
        // no device text, so the evidence is the service's own.
        var driver = new DetectionDriver();
        Finding finding = Assert.Single(driver.Engine.OnFault("d1", "floor-unknown", 1, driver.Now));
        Assert.Equal("storage-failed", finding.Code);
        Assert.Equal(FindingSeverity.Critical, finding.Severity);
        Assert.Equal(FindingState.Open, finding.State);
        Assert.True(finding.TrustsDevice);
        Assert.Contains("runs no application", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void StorageFailed_QuietForTheRejectionDays_Clears_ARepeatKeepsItOpen()
    {
        var driver = new DetectionDriver();
        DateTime t0 = driver.Now;
        Assert.Single(driver.Engine.OnFault("d1", "floor-unknown", 1, t0));

        // Another such boot two days later: still the same episode (nothing emitted) and the quiet week starts again.
        Assert.Empty(driver.Engine.OnFault("d1", "floor-unknown", 2, t0.AddDays(2)));
        Assert.Empty(driver.Engine.Tick(t0.AddDays(8.9)));
        Finding cleared = Assert.Single(driver.Engine.Tick(t0.AddDays(9.1)));
        Assert.Equal("storage-failed", cleared.Code);
        Assert.Equal(FindingState.Cleared, cleared.State);
    }

    [Fact]
    public void FloorSaveFailed_Fault_WarningServiceEvidence()
    {
        // The device runs, but its flash refused the floor record's save: a warning, not storage-failed's critical. The call
        // carries no device text, so the evidence is the service's own (the event's detail is checked end to end in
        // ServiceRestartContinuityTests).
        var driver = new DetectionDriver();
        Finding finding = Assert.Single(driver.Engine.OnFault("d1", "floor-save-failed", 1, driver.Now));
        Assert.Equal("floor-save-failed", finding.Code);
        Assert.Equal(FindingSeverity.Warning, finding.Severity);
        Assert.Equal(FindingState.Open, finding.State);
        Assert.True(finding.TrustsDevice);
        Assert.Contains("refused to save its floor record", finding.Evidence, StringComparison.Ordinal);

        // The same device later reads neither record: storage-failed opens beside it, critical; the warning stays.
        Finding critical = Assert.Single(driver.Engine.OnFault("d1", "floor-unknown", 2, driver.Now.AddHours(1)));
        Assert.Equal(DetectionRule.StorageFailed, critical.Rule);
    }

    [Fact]
    public void FloorSaveFailed_QuietForTheRejectionDays_Clears_ARepeatKeepsItOpen()
    {
        var driver = new DetectionDriver();
        DateTime t0 = driver.Now;
        Assert.Single(driver.Engine.OnFault("d1", "floor-save-failed", 1, t0));

        // Another failed save two days later: the same episode (nothing emitted), and the quiet week starts again.
        Assert.Empty(driver.Engine.OnFault("d1", "floor-save-failed", 2, t0.AddDays(2)));
        Assert.Empty(driver.Engine.Tick(t0.AddDays(8.9)));
        Finding cleared = Assert.Single(driver.Engine.Tick(t0.AddDays(9.1)));
        Assert.Equal("floor-save-failed", cleared.Code);
        Assert.Equal(FindingState.Cleared, cleared.State);
    }

    // Each storage fault is published once per boot, so a device that stays up past the quiet days with the condition
    // still true must keep its finding open through its reports' flag; once a report says it is gone, the quiet days count
    // from the last flagged report.
    [Theory]
    [InlineData("floor-unknown", HealthFlags.UpdateRecordsUnreadable, DetectionRule.StorageFailed)]
    [InlineData("floor-save-failed", HealthFlags.FloorRecordLagging, DetectionRule.FloorSaveFailed)]
    public void StorageRules_FlaggedReports_KeepItOpenPastTheQuietDays_UnflaggedOnesLetItClear(string code, int flag, DetectionRule rule)
    {
        var driver = new DetectionDriver();
        var device = new DetectionDriver.Device("d1") { Flags = HealthFlags.TimeSynchronised | flag };
        driver.Take(driver.Engine.OnFault("d1", code, 1, driver.Now));
        Assert.Single(driver.Opened(rule));
        driver.Reports(device, 10 * 24, 3600);
        Assert.Empty(driver.Cleared(rule));
        Assert.Single(driver.Opened(rule));

        device.Flags = HealthFlags.TimeSynchronised;
        driver.Reports(device, 6 * 24, 3600);
        Assert.Empty(driver.Cleared(rule));
        driver.Reports(device, 2 * 24, 3600);
        Finding cleared = Assert.Single(driver.Cleared(rule));
        Assert.Contains("latest report unflagged", cleared.Evidence, StringComparison.Ordinal);
    }

    // The fault event was lost, or the service restarted without state: the flag opens the finding with the rule's severity
    // and the service's own evidence. A device that falls silent while flagged is not healed: the finding stays open.
    [Theory]
    [InlineData(HealthFlags.UpdateRecordsUnreadable, DetectionRule.StorageFailed, FindingSeverity.Critical)]
    [InlineData(HealthFlags.FloorRecordLagging, DetectionRule.FloorSaveFailed, FindingSeverity.Warning)]
    public void StorageRules_FlaggedReportWithoutFault_Opens_StaysOpenWhileTheLatestIsFlagged(int flag, DetectionRule rule, FindingSeverity severity)
    {
        var driver = new DetectionDriver();
        var device = new DetectionDriver.Device("d1") { Flags = flag };
        Finding finding = Assert.Single(driver.Report(device), f => f.Rule == rule);
        Assert.Equal(severity, finding.Severity);
        Assert.Equal(FindingState.Open, finding.State);
        Assert.True(finding.TrustsDevice);
        Assert.Contains("health report flags", finding.Evidence, StringComparison.Ordinal);

        Assert.DoesNotContain(driver.Engine.Tick(driver.Now.AddDays(30)), f => f.Rule == rule);
    }
}
