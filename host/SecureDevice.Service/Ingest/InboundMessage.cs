using System;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// One message as the broker delivered it, waiting for its batch. <see cref="Acknowledge"/> sends its PUBACK; ingest
/// calls it only after the batch holding the message committed, and only on the connection it arrived on
/// (<see cref="Generation"/>): after a reconnect the broker delivers it again and deduplication stores it once.
/// </summary>
public sealed class InboundMessage
{
    public required string Topic { get; init; }

    public required byte[] Payload { get; init; }

    /// <summary>The broker's DUP flag: it sent this message before (to this session) without an acknowledgement.</summary>
    public bool Redelivery { get; init; }

    /// <summary>Service time of delivery (UTC, Unix ms): the report's time axis (a device's own clock is not trusted).</summary>
    public long ReceivedMs { get; init; }

    /// <summary>Stopwatch timestamp of delivery, for the receive-to-commit latency.</summary>
    public long ReceivedTimestamp { get; init; }

    /// <summary>The MQTT connection it arrived on (incremented at every connect).</summary>
    public long Generation { get; init; }

    /// <summary>Sends the PUBACK, or null when the message needs none (QoS 0, tests).</summary>
    public Func<CancellationToken, Task>? Acknowledge { get; init; }

    /// <summary>
    /// Managed bytes one delivered message keeps alive until its PUBACK, apart from its topic and payload: this object,
    /// MQTTnet's event arguments, application message and PUBLISH packet (reachable through <see cref="Acknowledge"/>),
    /// the acknowledgement delegate and the pipeline's item. Measured at 4,096 messages by <c>InboundMessageBytesTests</c>
    /// (docs/scale.md, "Memory at overload"), rounded up.
    /// </summary>
    public const int OverheadBytes = 896;

    /// <summary>
    /// What this message costs the ingest byte budget (<see cref="IngestOptions.QueueBytes"/>): the overhead, the topic
    /// (UTF-16: 2 bytes a character) and the payload twice (MQTTnet's packet buffer and our copy).
    /// </summary>
    public long RetainedBytes => OverheadBytes + 2L * Topic.Length + 2L * Payload.Length;
}
