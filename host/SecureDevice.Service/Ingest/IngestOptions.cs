using System;

namespace SecureDevice.Service.Ingest;

/// <summary>How ingest batches, limits and judges staleness (docs/service.md, "Options").</summary>
public sealed record IngestOptions
{
    /// <summary>
    /// Where detection learns what was committed (docs/scale.md, "Past one machine", item 2): <see cref="DetectionFeedMode.Local"/>
    /// (this instance's committed batches, in process) or <see cref="DetectionFeedMode.Database"/> (every instance's,
    /// through the <c>detection_feed</c> table, judged by the one instance holding the detection lease).
    /// </summary>
    public DetectionFeedMode DetectionFeed { get; init; } = DetectionFeedMode.Local;

    /// <summary>Messages per batch at most (one transaction, then the acknowledgements).</summary>
    public int MaxBatch { get; init; } = 2000;

    /// <summary>
    /// How long a batch not yet full waits for more messages before it commits (group commit: below saturation one
    /// transaction per few messages costs more CPU than the messages). Adds at most this to the latency.
    /// </summary>
    public TimeSpan BatchLinger { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Committed batches waiting for their acknowledgements at most (the writer waits when this many are pending).</summary>
    public int AckQueueBatches { get; init; } = 2;

    /// <summary>Messages received and not yet committed at most; the MQTT receive loop waits when it is full.</summary>
    public int QueueCapacity { get; init; } = 65_536;

    /// <summary>
    /// Bytes of delivered messages held at most, from delivery to PUBACK (queued, in the batch being judged and
    /// committed, and waiting for their PUBACKs), each costed <see cref="InboundMessage.RetainedBytes"/> (~1.3 KB for a
    /// health report). When it is full the MQTT receive loop waits: nothing is acknowledged that is not committed, so the
    /// broker keeps the rest queued for the session. 32 MiB holds ~25,000 reports: twelve full batches, 3 s of the
    /// service's measured ceiling, while the broker's 65,536-message window filled 168 MB of managed heap at overload
    /// (docs/scale.md, "Memory at overload"). Range 1 MiB..1 GiB; must hold at least one full batch.
    /// </summary>
    public long QueueBytes { get; init; } = 32L << 20;

    /// <summary>A report of the device's current boot more than this many sequence numbers behind its newest is stale.</summary>
    public long StaleSequenceWindow { get; init; } = 64;

    public FairLimits Limits { get; init; } = new();

    /// <summary>
    /// How the broker deals the shared subscription between instances (docs/service.md, "Fair ingest", "Several
    /// instances"): <see cref="IngestDealing.RoundRobin"/> (mosquitto) makes each of L live instances take 1/L of
    /// <see cref="Limits"/>; <see cref="IngestDealing.Sticky"/> keeps them whole.
    /// </summary>
    public IngestDealing Dealing { get; init; } = IngestDealing.RoundRobin;
}

/// <summary>How the broker deals the messages of the shared subscription between the service's instances.</summary>
public enum IngestDealing
{
    /// <summary>Message by message in turn (mosquitto 2): every instance sees about 1/L of every device's messages.</summary>
    RoundRobin,

    /// <summary>Each publisher to one instance while the group is stable (EMQX <c>hash_clientid</c>): an instance sees all of a device's messages.</summary>
    Sticky,
}

/// <summary>Where detection is fed from (<see cref="IngestOptions.DetectionFeed"/>).</summary>
public enum DetectionFeedMode
{
    /// <summary>In process: the batches this instance committed (right with one instance, or one per device stream).</summary>
    Local,

    /// <summary>
    /// From the database: each ingest transaction appends its committed batch to <c>detection_feed</c>, and the instance
    /// holding the <c>detection</c> lease judges them all in commit order (right with several instances sharing a
    /// subscription: each sees only part of each device's stream).
    /// </summary>
    Database,
}
