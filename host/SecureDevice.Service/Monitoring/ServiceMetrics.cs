using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Prometheus;
using SecureDevice.Service.Ingest;

namespace SecureDevice.Service.Monitoring;

/// <summary>
/// The service's Prometheus metrics (docs/service.md lists each), in a registry of its own per service instance, so two
/// instances in one process (the tests) never mix their figures. Process CPU and memory come from prometheus-net's
/// process collector (process_cpu_seconds_total, process_working_set_bytes, ...).
/// </summary>
public sealed class ServiceMetrics
{
    public ServiceMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        IMetricFactory f = Metrics.WithCustomRegistry(Registry);
        Received = f.CreateCounter("securedevice_ingest_received_total", "Messages delivered by the broker.");
        ReceivedBytes = f.CreateCounter("securedevice_ingest_received_bytes_total", "Topic and payload bytes delivered by the broker.");
        Stored = f.CreateCounter("securedevice_ingest_stored_total", "Reports and events committed to the database.", new[] { "kind" });
        Rejected = f.CreateCounter("securedevice_ingest_rejected_total", "Messages refused or set aside, by reason (docs/service.md).", new[] { "reason" });
        QueueDepth = f.CreateGauge("securedevice_ingest_queue_depth", "Messages received and not yet committed and acknowledged.");
        QueueBytes = f.CreateGauge("securedevice_ingest_queue_bytes", "Bytes of delivered messages held from delivery to PUBACK (bounded by the ingest byte budget).");
        BatchSize = f.CreateHistogram("securedevice_ingest_batch_messages", "Messages per committed batch.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 14) });
        CommitSeconds = f.CreateHistogram("securedevice_ingest_commit_seconds", "Time to commit one batch.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.0005, 2, 16) });
        ReceiveToCommitSeconds = f.CreateHistogram("securedevice_ingest_receive_to_commit_seconds", "From delivery by the broker to commit, per message.",
            new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });
        StageSeconds = f.CreateCounter("securedevice_ingest_stage_seconds_total", "Time the ingest writer spent per stage: judge (topic, registry, limits, decode), commit (the transaction), ack (PUBACKs), report (observers, response signals).", new[] { "stage" });
        CommitFailures = f.CreateCounter("securedevice_ingest_commit_failures_total", "Batch commits that failed (transient: retried; data: split).", new[] { "kind" });
        BacklogCredits = f.CreateCounter("securedevice_ingest_backlog_credits_total", "Outage credits granted to the fair limits: the broker session came back with what the broker queued meanwhile (docs/service.md, \"Fair ingest\").");
        BacklogCreditSeconds = f.CreateGauge("securedevice_ingest_backlog_credit_seconds", "The outage the fair limits' credit in force stands for, seconds (0: none in force).");
        BrokerConnected = f.CreateGauge("securedevice_broker_connected", "1 while the MQTT session is up.");
        BrokerConnects = f.CreateCounter("securedevice_broker_connects_total", "Connection attempts to the broker, by result.", new[] { "result" });
        CommandConnected = f.CreateGauge("securedevice_commands_connected", "1 while the command connection (device commands, the command identity) is up.");
        CommandConnects = f.CreateCounter("securedevice_commands_connects_total", "Connection attempts of the command connection, by result.", new[] { "result" });
        CommandsPublished = f.CreateCounter("securedevice_commands_published_total", "Device commands published, by result: done (PUBACK success), refused (PUBACK error), timeout (no PUBACK in 10 s), unreachable (not connected, or the connection failed).", new[] { "result" });
        CommandsResent = f.CreateCounter("securedevice_commands_resent_total", "Device commands sent a second time because the command connection dropped before their PUBACK (once reconnected, within the 10 s).");
        DatabaseBytes = f.CreateGauge("securedevice_database_bytes", "Bytes the database occupies.");
        DatabaseUp = f.CreateGauge("securedevice_database_up", "1 when the last database operation succeeded.");
        RawRows = f.CreateGauge("securedevice_database_raw_reports", "Raw health report rows stored.");
        RegistryDevices = f.CreateGauge("securedevice_registry_devices", "Devices in the registry, by status.", new[] { "status" });
        RegistryReloads = f.CreateCounter("securedevice_registry_reloads_total", "Registry reloads after the inventory changed, by result.", new[] { "result" });
        ObserverFailures = f.CreateCounter("securedevice_observer_failures_total", "Exceptions thrown by ingest observers.");
        SignalsDropped = f.CreateCounter("securedevice_response_signals_dropped_total", "Signals dropped because the response queue was full.");
        DetectionDropped = f.CreateCounter("securedevice_detection_batches_dropped_total", "Committed batches detection skipped because its queue was full.");
        IngestInstances = f.CreateGauge("securedevice_ingest_instances", "Live instances this instance shares the fair limits with, itself included (1 with sticky dealing).");
        IngestInstances.Set(1);
        DetectionQueueItems = f.CreateGauge("securedevice_detection_queue_items", "Reports, events and rejections waiting for detection (bounded: docs/scale.md, memory round).");
        GcCommittedBytes = f.CreateGauge("securedevice_gc_committed_bytes", "Memory the garbage collector had committed at its last collection (managed heap, free space included).");
        GcHeapBytes = f.CreateGauge("securedevice_gc_heap_bytes", "Managed heap size at the last collection (live objects and fragmentation).");
        // Refreshed when /metrics is rendered: what the last collection left is the managed part of the resident memory.
        Registry.AddBeforeCollectCallback(() =>
        {
            System.GCMemoryInfo gc = System.GC.GetGCMemoryInfo();
            GcCommittedBytes.Set(gc.TotalCommittedBytes);
            GcHeapBytes.Set(gc.HeapSizeBytes);
        });
        DetectionLeader = f.CreateGauge("securedevice_detection_lease_held", "1 while this instance holds the detection lease and judges the database detection feed (--detection-feed database), else 0.");
        FeedLagRows = f.CreateGauge("securedevice_detection_feed_lag_rows", "Detection feed rows committed and not yet judged by this instance, the lease holder (0 elsewhere).");
        FeedLagSeconds = f.CreateGauge("securedevice_detection_feed_lag_seconds", "Age of the newest feed row the lease holder judged when it had not caught up (0 once it did).");
        FeedBadRows = f.CreateCounter("securedevice_detection_feed_bad_rows_total", "Detection feed rows that could not be decoded: counted, logged and skipped.");
        FeedExpiredRows = f.CreateCounter("securedevice_detection_feed_expired_rows_total", "Detection feed rows deleted by the age cap, judged or not (detection resumes past the gap).");
        DetectionFailures = f.CreateCounter("securedevice_detection_failures_total", "Detection steps that failed (a finding not stored); detection goes on.");
        ResponseFailures = f.CreateCounter("securedevice_response_failures_total", "Exceptions thrown by the response policy.");
        ActionsReconciled = f.CreateCounter("securedevice_actions_reconciled_total",
            "Actions left pending (their record failed after the mechanism ran) resolved by the reconciler, by kind and result (done, failed, deferred, raced).", new[] { "kind", "result" });
        MaintenanceRuns = f.CreateCounter("securedevice_maintenance_runs_total", "Maintenance tasks run, by task and result.", new[] { "task", "result" });
        SqliteCheckpoints = f.CreateCounter("securedevice_sqlite_checkpoints_total", "Background checkpoints of SQLite's write-ahead log, by result (complete, partial, failed).", new[] { "result" });
        SqliteWalFrames = f.CreateGauge("securedevice_sqlite_wal_frames", "Frames of SQLite's write-ahead log not yet in the database file after the last background checkpoint.");
        foreach (IngestReason reason in IngestReasons.All)
        {
            Rejected.WithLabels(reason.Code());
        }

        foreach (string stage in new[] { "judge", "commit", "ack", "report" })
        {
            StageSeconds.WithLabels(stage);
        }
    }

    public CollectorRegistry Registry { get; }

    public Counter Received { get; }

    public Counter ReceivedBytes { get; }

    public Counter Stored { get; }

    public Counter Rejected { get; }

    public Gauge QueueDepth { get; }

    public Gauge QueueBytes { get; }

    public Counter BacklogCredits { get; }

    public Gauge BacklogCreditSeconds { get; }

    public Histogram BatchSize { get; }

    public Histogram CommitSeconds { get; }

    public Histogram ReceiveToCommitSeconds { get; }

    /// <summary>Wall time per writer stage (judge, commit, ack, report): where a report's time goes.</summary>
    public Counter StageSeconds { get; }

    public Counter CommitFailures { get; }

    public Gauge BrokerConnected { get; }

    public Counter BrokerConnects { get; }

    public Gauge CommandConnected { get; }

    public Counter CommandConnects { get; }

    public Counter CommandsPublished { get; }

    /// <summary>Commands sent again on the next connection after theirs dropped before the PUBACK.</summary>
    public Counter CommandsResent { get; }

    public Gauge DatabaseBytes { get; }

    public Gauge DatabaseUp { get; }

    public Gauge RawRows { get; }

    public Gauge RegistryDevices { get; }

    public Counter RegistryReloads { get; }

    public Counter ObserverFailures { get; }

    public Counter SignalsDropped { get; }

    public Counter DetectionDropped { get; }

    public Counter DetectionFailures { get; }

    public Gauge DetectionLeader { get; }

    public Gauge FeedLagRows { get; }

    public Gauge FeedLagSeconds { get; }

    public Counter FeedBadRows { get; }

    public Counter FeedExpiredRows { get; }

    public Gauge DetectionQueueItems { get; }

    /// <summary>Live instances the fair limits are shared by (<c>FleetService.LiveInstanceTtl</c>).</summary>
    public Gauge IngestInstances { get; }

    public Gauge GcCommittedBytes { get; }

    public Gauge GcHeapBytes { get; }

    public Counter ResponseFailures { get; }

    public Counter ActionsReconciled { get; }

    public Counter MaintenanceRuns { get; }

    public Counter SqliteCheckpoints { get; }

    public Gauge SqliteWalFrames { get; }

    public void SetRegistry(IReadOnlyDictionary<string, int> byStatus)
    {
        foreach (var (status, count) in byStatus)
        {
            RegistryDevices.WithLabels(status).Set(count);
        }
    }

    /// <summary>The Prometheus text exposition.</summary>
    public Task ExportAsync(Stream stream, CancellationToken cancellationToken) => Registry.CollectAndExportAsTextAsync(stream, cancellationToken);
}
