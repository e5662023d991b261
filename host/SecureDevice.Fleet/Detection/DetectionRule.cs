namespace SecureDevice.Fleet.Detection;

/// <summary>
/// The detection rules (docs/detection.md has each one's threshold, evidence and false-positive reasoning). Values are
/// stable: they index per-device state and persisted state. <see cref="RuleCatalog"/> gives each its kebab-case code.
/// </summary>
public enum DetectionRule
{
    /// <summary><c>coin-miner</c>: compute load or power and bandwidth up together, no version change.</summary>
    CoinMiner = 0,

    /// <summary><c>message-flood</c>: messages seen at the broker beyond what the firmware's limiter can send.</summary>
    MessageFlood = 1,

    /// <summary><c>reconnect-storm</c>: connections seen at the broker beyond what the firmware's backoff allows.</summary>
    ReconnectStorm = 2,

    /// <summary><c>invalid-data</c>: payloads the ingest could not accept.</summary>
    InvalidData = 3,

    /// <summary><c>traffic-surge</c>: bytes seen at the broker far above the device's own baseline and its cohort.</summary>
    TrafficSurge = 4,

    /// <summary><c>reboot-loop</c>: unclean or fault boots in quick succession, or the firmware's safe mode.</summary>
    RebootLoop = 5,

    /// <summary><c>unclean-boots</c>: repeated unclean or fault boots within a day.</summary>
    UncleanBoots = 6,

    /// <summary><c>heap-leak</c>: free memory falling steadily within a boot, heading for exhaustion.</summary>
    HeapLeak = 7,

    /// <summary><c>silence</c>: reports missing against the device's report interval.</summary>
    Silence = 8,

    /// <summary><c>certificate-expiry</c>: the device certificate (per the registry) expires soon or has expired.</summary>
    CertificateExpiry = 9,

    /// <summary><c>version-drift</c>: the device runs another version than its product's target.</summary>
    VersionDrift = 10,

    /// <summary><c>update-rejected</c>: the device refused a tampered, rolled-back or revoked-key bundle offered to it.</summary>
    UpdateRejected = 11,

    /// <summary>
    /// <c>storage-failed</c>: at boot the device could read neither of its update records (fault <c>floor-unknown</c>), so it
    /// runs no application: failing flash, which does not heal by itself. Kept open (or opened) by health reports flagged
    /// <c>UpdateRecordsUnreadable</c>.
    /// </summary>
    StorageFailed = 12,

    /// <summary>
    /// <c>floor-save-failed</c>: the device's flash refused a save of its floor record (fault <c>floor-save-failed</c>): it
    /// runs, but its anti-rollback floor rests on the update journal alone until a later save succeeds. Kept open (or
    /// opened) by health reports flagged <c>FloorRecordLagging</c>.
    /// </summary>
    FloorSaveFailed = 13,

    /// <summary>
    /// <c>outside-acl</c>: publishes the broker's access control refused (its refusal counter): our firmware publishes only
    /// to its own topics, so the device runs other code or was provisioned with another id.
    /// </summary>
    OutsideAcl = 14,
}

/// <summary>What each rule is: its stable code, whether it relies on what the device reports, and the unit of its values.</summary>
public static class RuleCatalog
{
    /// <summary>Number of rules.</summary>
    public const int Count = 15;

    private static readonly string[] Codes =
    {
        "coin-miner", "message-flood", "reconnect-storm", "invalid-data", "traffic-surge", "reboot-loop", "unclean-boots",
        "heap-leak", "silence", "certificate-expiry", "version-drift", "update-rejected",
        "storage-failed", "floor-save-failed", "outside-acl",
    };

    // A taken-over device can lie in its reports: only rules fed by what the broker, the service or the registry saw are
    // independent of it.
    private static readonly bool[] Trusts =
    {
        true, false, false, false, false, true, true, true, false, false, true, true, true, true, false,
    };

    private static readonly string[] Units =
    {
        "% load", "messages/h", "connections/h", "malformed/h", "bytes/h", "boots/h", "boots/24 h", "KiB/h",
        "s since the last report", "days left", "security version", "rejections/24 h",
        "floor-unknown faults", "floor-save-failed faults", "refused publishes/h",
    };

    /// <summary>The stable kebab-case code, e.g. <c>coin-miner</c>.</summary>
    public static string Code(DetectionRule rule) => Codes[(int)rule];

    /// <summary>True when the rule relies on values the device reports (which a taken-over device can forge).</summary>
    public static bool TrustsDevice(DetectionRule rule) => Trusts[(int)rule];

    /// <summary>The unit of <see cref="Finding.Value"/> and <see cref="Finding.Baseline"/> for the rule.</summary>
    public static string Unit(DetectionRule rule) => Units[(int)rule];

    /// <summary>The rule with code <paramref name="code"/>, or false.</summary>
    public static bool TryParse(string code, out DetectionRule rule)
    {
        int index = System.Array.IndexOf(Codes, code);
        rule = (DetectionRule)(index < 0 ? 0 : index);
        return index >= 0;
    }
}
