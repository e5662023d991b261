using System.Collections.Generic;
using SecureDevice.Fleet.Telemetry;

namespace SecureDevice.Service.Extensions;

/// <summary>A health report that was committed (stored for the first time).</summary>
public sealed record StoredReport(string DeviceId, string? CustomerId, long ReceivedMs, long Boot, long Seq, int PayloadBytes, DecodedHealthReport Report)
{
    /// <summary>
    /// The report's CBOR payload as received (what <see cref="Report"/> was decoded from): the database detection feed
    /// carries it and decodes it again with the same strict decoder (<see cref="Integration.DetectionFeedCodec"/>). Empty
    /// when the producer did not keep it.
    /// </summary>
    public byte[] Payload { get; init; } = [];
}

/// <summary>A device event that was committed (update, fault, invalid-reading, other kinds; presence changes as "presence").</summary>
public sealed record StoredEvent(string DeviceId, string? CustomerId, long ReceivedMs, string Kind, string? EventKey, string Payload);

/// <summary>A message ingest refused or set aside, with the counter reason it was recorded under.</summary>
public sealed record IngestRejection(string DeviceId, string? CustomerId, string Reason, string Detail, int Bytes, long ReceivedMs);

/// <summary>
/// A valid status message (devices/ID/up/status, "online" or "offline") that was committed, whether or not it changed the
/// device's stored presence: our firmware publishes "online" once after every connection it opens, which is how
/// detection counts a device's connections. <paramref name="Redelivery"/> is the broker's DUP flag (sent before without
/// an acknowledgement); <paramref name="Changed"/> says the message changed the stored presence (a redelivery that
/// changes nothing was stored already).
/// </summary>
public sealed record StoredStatus(string DeviceId, long ReceivedMs, bool Online, int Bytes, bool Redelivery, bool Changed);

/// <summary>
/// A report of the broker's refusal counter committed for the first time (a redelivered one is not repeated): the
/// broker's access control refused <paramref name="Count"/> publishes (<paramref name="Bytes"/> bytes) of the client
/// <paramref name="DeviceId"/> in the counter's interval. Never a report of the counter's overflow bucket or of a client id
/// that is not a device id.
/// </summary>
public sealed record BrokerRefusal(string DeviceId, long Count, long Bytes, long ReceivedMs);

/// <summary>One committed ingest batch, in the order the broker delivered it.</summary>
public sealed record CommittedBatch(IReadOnlyList<StoredReport> Reports, IReadOnlyList<StoredEvent> Events, IReadOnlyList<IngestRejection> Rejections, long CommittedMs)
{
    /// <summary>Every valid status message of the batch (those that changed presence are also in <see cref="Events"/> as "presence").</summary>
    public IReadOnlyList<StoredStatus> Statuses { get; init; } = [];

    /// <summary>The broker's refusal reports of the batch (outside-acl), per device: detection's <c>outside-acl</c> rule.</summary>
    public IReadOnlyList<BrokerRefusal> Refusals { get; init; } = [];
}

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
