using System;

namespace SecureDevice.Service.Ingest;

/// <summary>How ingest batches, limits and judges staleness (docs/service.md, "Options").</summary>
public sealed record IngestOptions
{
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

    /// <summary>A report of the device's current boot more than this many sequence numbers behind its newest is stale.</summary>
    public long StaleSequenceWindow { get; init; } = 64;

    public FairLimits Limits { get; init; } = new();
}
