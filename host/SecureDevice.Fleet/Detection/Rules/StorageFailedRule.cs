namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>storage-failed</c> (trusts the device: it is the device's own report): a fault <c>floor-unknown</c> says that at boot
/// the device could read neither its update journal nor its floor record, so it knew no anti-rollback floor and ran no
/// application at all. A medium failure does not heal by itself: critical at once. Clears like update-rejected, after
/// <see cref="DetectionOptions.RejectionQuietDays"/> days without another such fault (the rule's last sighting, kept in its
/// track, is the only state).
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

    /// <summary>True while the last <c>floor-unknown</c> fault is recent enough to keep the finding open.</summary>
    public static bool Recent(DeviceState device, int now, DetectionOptions options) =>
        now - device.Track(DetectionRule.StorageFailed).LastSeen < options.RejectionQuietDays * 86400;
}
