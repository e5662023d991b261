namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>floor-save-failed</c> (trusts the device: it is the device's own report): a fault <c>floor-save-failed</c> says that
/// the device's flash refused a save of its floor record, the second copy of its anti-rollback floor. The device runs and
/// its journal still holds the floor, so this is a warning, not storage-failed's critical (which says the device runs
/// nothing); but its rollback protection rests on one record, and flash that refuses writes is what the next power cut
/// turns into a device that reads neither record (<c>floor-unknown</c>). Clears like storage-failed, after
/// <see cref="DetectionOptions.RejectionQuietDays"/> days without another such fault (the rule's last sighting, kept in its
/// track, is the only state).
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

    /// <summary>True while the last <c>floor-save-failed</c> fault is recent enough to keep the finding open.</summary>
    public static bool Recent(DeviceState device, int now, DetectionOptions options) =>
        now - device.Track(DetectionRule.FloorSaveFailed).LastSeen < options.RejectionQuietDays * 86400;
}
