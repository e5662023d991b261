using System.Collections.Generic;
using SecureDevice.Fleet.Telemetry;

namespace SecureDevice.Service.Extensions;

/// <summary>A health report that was committed (stored for the first time).</summary>
public sealed record StoredReport(string DeviceId, string? CustomerId, long ReceivedMs, long Boot, long Seq, int PayloadBytes, DecodedHealthReport Report);

/// <summary>A device event that was committed (update, fault, invalid-reading, other kinds; presence changes as "presence").</summary>
public sealed record StoredEvent(string DeviceId, string? CustomerId, long ReceivedMs, string Kind, string? EventKey, string Payload);

/// <summary>A message ingest refused or set aside, with the counter reason it was recorded under.</summary>
public sealed record IngestRejection(string DeviceId, string? CustomerId, string Reason, string Detail, int Bytes, long ReceivedMs);

/// <summary>One committed ingest batch, in the order the broker delivered it.</summary>
public sealed record CommittedBatch(IReadOnlyList<StoredReport> Reports, IReadOnlyList<StoredEvent> Events, IReadOnlyList<IngestRejection> Rejections, long CommittedMs);

/// <summary>
/// Called by ingest after each batch is committed and acknowledged: what workstream B's detectors subscribe to. Runs on
/// ingest's acknowledger loop (the writer meanwhile commits the next batch), one batch at a time, in delivery order, so
/// it must be quick: it holds up the next batch's acknowledgements (in-memory work; hand anything slow
/// to a queue of its own). An exception is caught, logged and counted (<c>securedevice_observer_failures_total</c>);
/// ingest goes on. Default: none.
/// </summary>
public interface IIngestObserver
{
    void OnCommitted(CommittedBatch batch);
}
