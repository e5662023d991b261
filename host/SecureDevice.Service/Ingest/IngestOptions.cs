namespace SecureDevice.Service.Ingest;

/// <summary>How ingest batches, limits and judges staleness (docs/service.md, "Options").</summary>
public sealed record IngestOptions
{
    /// <summary>Messages per batch at most (one transaction, then the acknowledgements).</summary>
    public int MaxBatch { get; init; } = 2000;

    /// <summary>Committed batches waiting for their acknowledgements at most (the writer waits when this many are pending).</summary>
    public int AckQueueBatches { get; init; } = 2;

    /// <summary>Messages received and not yet committed at most; the MQTT receive loop waits when it is full.</summary>
    public int QueueCapacity { get; init; } = 65_536;

    /// <summary>A report of the device's current boot more than this many sequence numbers behind its newest is stale.</summary>
    public long StaleSequenceWindow { get; init; } = 64;

    public FairLimits Limits { get; init; } = new();
}
