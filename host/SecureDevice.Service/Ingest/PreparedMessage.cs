using SecureDevice.Fleet.Telemetry;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// What judging a message needs from the message alone: its topic and, for a health report, the strict decode and the
/// row's values. Pure: the same topic and payload always prepare the same. The writer computes it for each message
/// before the checks that need its state (registry, fair limits, staleness, the commit).
/// </summary>
internal sealed class PreparedMessage
{
    private PreparedMessage(bool topicValid, string deviceId, UpTopic leaf)
    {
        TopicValid = topicValid;
        DeviceId = deviceId;
        Leaf = leaf;
    }

    /// <summary>True when the topic is <c>devices/ID/up/LEAF</c> with a valid device id.</summary>
    public bool TopicValid { get; }

    /// <summary>The device id of the topic, or <see cref="TopicLayout.InvalidDeviceId"/>.</summary>
    public string DeviceId { get; }

    public UpTopic Leaf { get; }

    /// <summary>For a health report: how its strict decode ended (other leaves: <see cref="HealthDecodeStatus.Decoded"/>, unused).</summary>
    public HealthDecodeStatus HealthStatus { get; private init; }

    /// <summary>The decoder's one-line detail when <see cref="HealthStatus"/> is not Decoded.</summary>
    public string Detail { get; private init; } = string.Empty;

    /// <summary>The decoded report (health leaf, decoded).</summary>
    public DecodedHealthReport? Report { get; private init; }

    /// <summary>The report's row with <see cref="HealthRow.DeviceRef"/> 0: the writer sets the registry's reference.</summary>
    public HealthRow? Row { get; private init; }

    public static PreparedMessage Of(InboundMessage message)
    {
        bool valid = TopicLayout.TryParse(message.Topic, out string deviceId, out UpTopic leaf);
        if (!valid || leaf != UpTopic.Health)
        {
            return new PreparedMessage(valid, deviceId, leaf);
        }

        HealthDecodeStatus status = HealthDecoder.TryDecode(message.Payload, out DecodedHealthReport? report, out string detail);
        return new PreparedMessage(valid, deviceId, leaf)
        {
            HealthStatus = status,
            Detail = detail,
            Report = report,
            Row = status == HealthDecodeStatus.Decoded ? ToRow(deviceId, message, report!) : null,
        };
    }

    private static readonly HealthField BootCount = HealthField.Of("life", "bootCount");
    private static readonly HealthField UptimeS = HealthField.Of("life", "uptimeS");
    private static readonly HealthField BootReason = HealthField.Of("life", "bootReason");
    private static readonly HealthField SupplyMv = HealthField.Of("power", "supplyMv");
    private static readonly HealthField HeapFreeKiB = HealthField.Of("memory", "heapFreeKiB");
    private static readonly HealthField ManagedFreeKiB = HealthField.Of("memory", "managedFreeKiB");
    private static readonly HealthField BytesUp = HealthField.Of("traffic", "bytesUpSinceLast");
    private static readonly HealthField BytesDown = HealthField.Of("traffic", "bytesDownSinceLast");
    private static readonly HealthField WireBytes = HealthField.Of("traffic", "wireBytesSinceLast");
    private static readonly HealthField RssiDbm = HealthField.Of("connection", "rssiDbm");
    private static readonly HealthField Attempts = HealthField.Of("connection", "attempts");
    private static readonly HealthField Rejected = HealthField.Of("protection", "rejected");
    private static readonly HealthField VersionMajor = HealthField.Of("identity", "versionMajor");
    private static readonly HealthField VersionMinor = HealthField.Of("identity", "versionMinor");
    private static readonly HealthField VersionPatch = HealthField.Of("identity", "versionPatch");
    private static readonly HealthField Flags = HealthField.Of("flags", "flags");

    private static HealthRow ToRow(string deviceId, InboundMessage message, DecodedHealthReport report)
    {
        long version = ((report.Field(VersionMajor) ?? 0) << 32) | ((report.Field(VersionMinor) ?? 0) << 16) | (report.Field(VersionPatch) ?? 0);
        return new HealthRow(0, deviceId, message.ReceivedMs, report.Field(BootCount) ?? 0, report.Sequence, report.Field(UptimeS) ?? 0, report.Field(BootReason) ?? 0,
            report.Field(SupplyMv), report.Field(HeapFreeKiB), report.Field(ManagedFreeKiB), report.Field(BytesUp) ?? 0, report.Field(BytesDown) ?? 0,
            report.Field(WireBytes) ?? 0, report.Field(RssiDbm), report.Field(Attempts) ?? 0, report.Field(Rejected) ?? 0, version, report.Field(Flags) ?? 0, message.Payload);
    }
}
