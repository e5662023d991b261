using SecureDevice.Core.Telemetry;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>storage-failed</c> (trusts the device: it is the device's own report): a fault <c>floor-unknown</c> says that at boot
/// the device could read neither its update journal nor its floor record, so it knew no anti-rollback floor and ran no
/// application at all. A medium failure does not heal by itself: critical at once. The fault is published once per boot,
/// so every health report of such a boot carries <see cref="HealthFlags.UpdateRecordsUnreadable"/>: a flagged report keeps
/// the finding open (its time is the rule's last sighting) and opens it when the fault was never seen (the event lost, the
/// service restarted without state). Clears after <see cref="DetectionOptions.RejectionQuietDays"/> days without a fault or
/// a flagged report, once the latest report is without the flag (the rule's last sighting, kept in its track, and the
/// device's last flags are the only state).
/// </summary>
internal static class StorageFailedRule
{
    /// <summary>
    /// The verdict on one <c>floor-unknown</c> fault: critical. The evidence is the service's fixed text, never the event's
    /// detail (device text).
    /// </summary>
    public static Verdict Record() =>
        new(true, FindingSeverity.Critical, 1, 0,
            "the device could read neither its update journal nor its floor record at boot and runs no application: failing flash");

    /// <summary>The verdict on a health report with <see cref="HealthFlags.UpdateRecordsUnreadable"/>: the same, raised by the flag.</summary>
    public static Verdict Reported() =>
        new(true, FindingSeverity.Critical, 1, 0,
            "the device's health report flags that it could read neither its update journal nor its floor record this boot and runs no application: failing flash");

    /// <summary>True when <paramref name="flags"/> (a report's) say this boot read neither update record.</summary>
    public static bool Flagged(long flags) => (flags & HealthFlags.UpdateRecordsUnreadable) != 0;

    /// <summary>
    /// True while the finding stays open: the last fault or flagged report is recent enough, or the latest report still
    /// carries the flag (a device that stopped reporting while flagged is not healed).
    /// </summary>
    public static bool Holds(DeviceState device, int now, DetectionOptions options) =>
        Flagged(device.LastFlags) || now - device.Track(DetectionRule.StorageFailed).LastSeen < options.RejectionQuietDays * 86400;
}
