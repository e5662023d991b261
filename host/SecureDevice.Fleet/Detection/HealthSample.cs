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
            UptimeSeconds = report.Field("life", "uptimeS") ?? 0,
            BootCount = report.Field("life", "bootCount") ?? 0,
            BootReason = (int)(report.Field("life", "bootReason") ?? 0),
            SupplyMillivolts = report.Field("power", "supplyMv"),
            SupplyMilliamps = report.Field("power", "supplyMa"),
            LoadPercent = report.Field("power", "loadPct"),
            HeapFreeKiB = report.Field("memory", "heapFreeKiB"),
            ManagedFreeKiB = report.Field("memory", "managedFreeKiB"),
            MessagesUpSinceLast = report.Field("traffic", "messagesUpSinceLast") ?? 0,
            BytesUpSinceLast = report.Field("traffic", "bytesUpSinceLast") ?? 0,
            MessagesDownSinceLast = report.Field("traffic", "messagesDownSinceLast") ?? 0,
            BytesDownSinceLast = report.Field("traffic", "bytesDownSinceLast") ?? 0,
            Version = new FirmwareVersion(
                report.Field("identity", "versionMajor") ?? 0,
                report.Field("identity", "versionMinor") ?? 0,
                report.Field("identity", "versionPatch") ?? 0,
                report.Field("identity", "securityVersion") ?? 0),
            CertificateDays = report.Field("identity", "certificateDays") ?? 0,
            Flags = report.Field("flags", "flags") ?? 0,
            UpdateOutcome = report.Field("protection", "updateOutcome") ?? 0,
        };
    }
}
