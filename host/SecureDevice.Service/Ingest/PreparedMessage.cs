using SecureDevice.Fleet.Telemetry;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// What judging a message needs from the message alone: its topic and, for a health report, the strict decode and the
/// row's values. <see cref="IngestPipeline.EnqueueAsync"/> prepares each message on the caller's thread (the MQTT
/// client's delivery loop) before it enters the bounded ingest queue, so the single writer keeps only what needs its
/// state (registry, fair limits, staleness, the commit) and decoding runs beside it on the other core. A full queue
/// still makes the caller wait (backpressure); a message is prepared once and holds nothing the writer could not
/// have computed itself. Pure: the same topic and payload always prepare the same.
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

    private static HealthRow ToRow(string deviceId, InboundMessage message, DecodedHealthReport report)
    {
        long boot = report.Field("life", "bootCount") ?? 0;
        long version = ((report.Field("identity", "versionMajor") ?? 0) << 32) | ((report.Field("identity", "versionMinor") ?? 0) << 16) | (report.Field("identity", "versionPatch") ?? 0);
        return new HealthRow(0, deviceId, message.ReceivedMs, boot, report.Sequence, report.Field("life", "uptimeS") ?? 0, report.Field("life", "bootReason") ?? 0,
            report.Field("power", "supplyMv"), report.Field("memory", "heapFreeKiB"), report.Field("memory", "managedFreeKiB"),
            report.Field("traffic", "bytesUpSinceLast") ?? 0, report.Field("traffic", "bytesDownSinceLast") ?? 0, report.Field("traffic", "wireBytesSinceLast") ?? 0,
            report.Field("connection", "rssiDbm"), report.Field("connection", "attempts") ?? 0, report.Field("protection", "rejected") ?? 0, version,
            report.Field("flags", "flags") ?? 0, message.Payload);
    }
}
