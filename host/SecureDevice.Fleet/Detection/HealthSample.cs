using System;
using SecureDevice.Core.Telemetry;
using SecureDevice.Fleet.Telemetry;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// What the rules read from one decoded health report (docs/telemetry.md). Everything here is what the device says:
/// rules fed only by it are marked as trusting the device. Absent readings are null.
/// </summary>
public sealed record HealthSample
{
    // Resolved once: a name lookup per field and report cost the detection worker two dictionary searches each.
    private static readonly HealthField UptimeSField = HealthField.Of("life", "uptimeS");
    private static readonly HealthField BootCountField = HealthField.Of("life", "bootCount");
    private static readonly HealthField BootReasonField = HealthField.Of("life", "bootReason");
    private static readonly HealthField SupplyMvField = HealthField.Of("power", "supplyMv");
    private static readonly HealthField SupplyMaField = HealthField.Of("power", "supplyMa");
    private static readonly HealthField LoadPctField = HealthField.Of("power", "loadPct");
    private static readonly HealthField HeapFreeKiBField = HealthField.Of("memory", "heapFreeKiB");
    private static readonly HealthField ManagedFreeKiBField = HealthField.Of("memory", "managedFreeKiB");
    private static readonly HealthField MessagesUpSinceLastField = HealthField.Of("traffic", "messagesUpSinceLast");
    private static readonly HealthField BytesUpSinceLastField = HealthField.Of("traffic", "bytesUpSinceLast");
    private static readonly HealthField MessagesDownSinceLastField = HealthField.Of("traffic", "messagesDownSinceLast");
    private static readonly HealthField BytesDownSinceLastField = HealthField.Of("traffic", "bytesDownSinceLast");
    private static readonly HealthField VersionMajorField = HealthField.Of("identity", "versionMajor");
    private static readonly HealthField VersionMinorField = HealthField.Of("identity", "versionMinor");
    private static readonly HealthField VersionPatchField = HealthField.Of("identity", "versionPatch");
    private static readonly HealthField SecurityVersionField = HealthField.Of("identity", "securityVersion");
    private static readonly HealthField CertificateDaysField = HealthField.Of("identity", "certificateDays");
    private static readonly HealthField FlagsField = HealthField.Of("flags", "flags");
    private static readonly HealthField UpdateOutcomeField = HealthField.Of("protection", "updateOutcome");

    /// <summary>Report number since boot.</summary>
    public long Sequence { get; init; }

    /// <summary>Seconds since boot.</summary>
    public long UptimeSeconds { get; init; }

    /// <summary>Boots since provisioning.</summary>
    public long BootCount { get; init; }

    /// <summary>Why this boot happened (<see cref="Core.Telemetry.BootReason"/> values).</summary>
    public int BootReason { get; init; }

    /// <summary>Supply voltage, mV.</summary>
    public long? SupplyMillivolts { get; init; }

    /// <summary>Supply current, mA (boards with a current monitor, schema 2).</summary>
    public long? SupplyMilliamps { get; init; }

    /// <summary>Compute load since the last report, % (schema 2).</summary>
    public long? LoadPercent { get; init; }

    /// <summary>Free native heap, KiB.</summary>
    public long? HeapFreeKiB { get; init; }

    /// <summary>Managed heap free after a collection, KiB.</summary>
    public long? ManagedFreeKiB { get; init; }

    /// <summary>Messages published since the last report.</summary>
    public long MessagesUpSinceLast { get; init; }

    /// <summary>Payload bytes published since the last report.</summary>
    public long BytesUpSinceLast { get; init; }

    /// <summary>Messages received since the last report.</summary>
    public long MessagesDownSinceLast { get; init; }

    /// <summary>Payload bytes received since the last report.</summary>
    public long BytesDownSinceLast { get; init; }

    /// <summary>The running application's version.</summary>
    public FirmwareVersion Version { get; init; }

    /// <summary>The device's count of days until its certificate expires (0 when its clock is not synchronised).</summary>
    public long CertificateDays { get; init; }

    /// <summary><see cref="HealthFlags"/> bits.</summary>
    public long Flags { get; init; }

    /// <summary>The device's last update outcome code since boot.</summary>
    public long UpdateOutcome { get; init; }

    /// <summary>The values of a decoded report (schema 1 or 2).</summary>
    public static HealthSample From(DecodedHealthReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new HealthSample
        {
            Sequence = report.Sequence,
            UptimeSeconds = report.Field(UptimeSField) ?? 0,
            BootCount = report.Field(BootCountField) ?? 0,
            BootReason = (int)(report.Field(BootReasonField) ?? 0),
            SupplyMillivolts = report.Field(SupplyMvField),
            SupplyMilliamps = report.Field(SupplyMaField),
            LoadPercent = report.Field(LoadPctField),
            HeapFreeKiB = report.Field(HeapFreeKiBField),
            ManagedFreeKiB = report.Field(ManagedFreeKiBField),
            MessagesUpSinceLast = report.Field(MessagesUpSinceLastField) ?? 0,
            BytesUpSinceLast = report.Field(BytesUpSinceLastField) ?? 0,
            MessagesDownSinceLast = report.Field(MessagesDownSinceLastField) ?? 0,
            BytesDownSinceLast = report.Field(BytesDownSinceLastField) ?? 0,
            Version = new FirmwareVersion(
                report.Field(VersionMajorField) ?? 0,
                report.Field(VersionMinorField) ?? 0,
                report.Field(VersionPatchField) ?? 0,
                report.Field(SecurityVersionField) ?? 0),
            CertificateDays = report.Field(CertificateDaysField) ?? 0,
            Flags = report.Field(FlagsField) ?? 0,
            UpdateOutcome = report.Field(UpdateOutcomeField) ?? 0,
        };
    }
}
