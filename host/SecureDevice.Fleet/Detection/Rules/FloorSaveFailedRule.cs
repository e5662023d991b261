using SecureDevice.Core.Telemetry;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>floor-save-failed</c> (trusts the device: it is the device's own report): a fault <c>floor-save-failed</c> says that
/// the device's flash refused a save of its floor record, the second copy of its anti-rollback floor. The device runs and
/// its journal still holds the floor, so this is a warning, not storage-failed's critical (which says the device runs
/// nothing); but its rollback protection rests on one record, and flash that refuses writes is what the next power cut
/// turns into a device that reads neither record (<c>floor-unknown</c>). The fault is published once per boot, so every
/// health report carries <see cref="HealthFlags.FloorRecordLagging"/> while the record's last save failed and none
/// succeeded since: like storage-failed, a flagged report keeps the finding open and opens it when the fault was never
/// seen, and it clears after <see cref="DetectionOptions.RejectionQuietDays"/> days without a fault or a flagged report,
/// once the latest report is without the flag.
/// </summary>
internal static class FloorSaveFailedRule
{
    /// <summary>
    /// The verdict on one <c>floor-save-failed</c> fault: a warning. The evidence is the service's fixed text, never the
    /// event's detail (device text).
    /// </summary>
    public static Verdict Record() =>
        new(true, FindingSeverity.Warning, 1, 0,
            "the device's flash refused to save its floor record: it runs, but its anti-rollback floor rests on its update journal alone");

    /// <summary>The verdict on a health report with <see cref="HealthFlags.FloorRecordLagging"/>: the same, raised by the flag.</summary>
    public static Verdict Reported() =>
        new(true, FindingSeverity.Warning, 1, 0,
            "the device's health report flags that its floor record's last save failed: it runs, but its anti-rollback floor rests on its update journal alone");

    /// <summary>True when <paramref name="flags"/> (a report's) say the floor record lags.</summary>
    public static bool Flagged(long flags) => (flags & HealthFlags.FloorRecordLagging) != 0;

    /// <summary>True while the finding stays open: the last fault or flagged report is recent enough, or the latest report still carries the flag.</summary>
    public static bool Holds(DeviceState device, int now, DetectionOptions options) =>
        Flagged(device.LastFlags) || now - device.Track(DetectionRule.FloorSaveFailed).LastSeen < options.RejectionQuietDays * 86400;
}
