using System;
using System.Linq;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Integration;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// Detection's queue is bounded by what it holds (reports, events, rejections), not only by its count of batches:
/// ingest never waits for detection, and a detection that falls behind drops (and counts) batches instead of growing
/// the service's memory. The worker is not started here, so nothing leaves the queue.
/// </summary>
public sealed class DetectionWorkerQueueTests
{
    private static readonly StoredReport Report = new("dev-1", "acme", 0, 1, 1, 79, null!);

    private static CommittedBatch Batch(int reports, int events = 0, int rejections = 0) => new(
        Enumerable.Repeat(Report, reports).ToArray(),
        Enumerable.Repeat(new StoredEvent("dev-1", "acme", 0, "fault", null, "{}"), events).ToArray(),
        Enumerable.Repeat(new IngestRejection("dev-1", "acme", "malformed-cbor", "x", 3, 0), rejections).ToArray(),
        0);

    [Fact]
    public void OnCommitted_BigBatchesPastTheItemBudget_DroppedAndCounted_BudgetHeld()
    {
        var worker = new DetectionWorker(new IntegrationOptions(), TimeProvider.System);
        int full = DetectionWorker.QueueItems / 2048;
        for (int i = 0; i < full; i++)
        {
            worker.OnCommitted(Batch(2048));
        }

        Assert.Equal(0, worker.Dropped);
        Assert.Equal(DetectionWorker.QueueItems, worker.QueuedItems);

        worker.OnCommitted(Batch(1));
        worker.OnCommitted(Batch(0, events: 1));
        worker.OnCommitted(Batch(0, rejections: 1));

        Assert.Equal(3, worker.Dropped);
        Assert.Equal(DetectionWorker.QueueItems, worker.QueuedItems);
    }

    [Fact]
    public void OnCommitted_SmallBatchesPastTheBatchCap_DroppedAndCounted_ItemsNotLeaked()
    {
        var worker = new DetectionWorker(new IntegrationOptions(), TimeProvider.System);
        for (int i = 0; i < DetectionWorker.QueueCapacity; i++)
        {
            worker.OnCommitted(Batch(1));
        }

        worker.OnCommitted(Batch(2));

        Assert.Equal(1, worker.Dropped);
        Assert.Equal(DetectionWorker.QueueCapacity, worker.QueuedItems);
    }
}
