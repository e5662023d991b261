using System;
using System.Collections.Generic;

namespace SecureDevice.Service.Storage;

/// <summary>A decoded health report to store: the values the console graphs and roll-ups use, and the payload as received.</summary>
public sealed record HealthRow(
    long DeviceRef, string DeviceId, long ReceivedMs, long Boot, long Seq, long UptimeS, long BootReason, long? SupplyMv, long? HeapFreeKiB, long? ManagedFreeKiB,
    long BytesUp, long BytesDown, long WireBytes, long? RssiDbm, long Attempts, long Rejected, long VersionCode, long Flags, byte[] Payload)
{
    /// <summary>
    /// The registry's reference of the device: the ingest writer sets it on the row it decoded (0 until then),
    /// rather than copying the row's 19 values per report.
    /// </summary>
    public long DeviceRef { get; internal set; } = DeviceRef;

    /// <summary>The counter reason recorded when the row's (device, boot, seq) is stored already ("duplicate" or "redelivered").</summary>
    public string DuplicateReason { get; internal set; } = "duplicate";
}

/// <summary>A device event to store (update progress, fault, other kinds): the JSON as received, checked. EventKey is the event's identity ("update:7:3", "fault:17:main-loop:2"), or null when it carries none.</summary>
public sealed record EventRow(long DeviceRef, string DeviceId, long ReceivedMs, string Kind, string? EventKey, long? Boot, long? Seq, string Payload)
{
    public string DuplicateReason { get; init; } = "duplicate";
}

/// <summary>The device's retained status topic said online or offline.</summary>
public sealed record PresenceRow(long DeviceRef, string DeviceId, string Presence, long AtMs);

/// <summary>Adds to a per-device counter for one hour (what ingest refused or set aside, by reason).</summary>
public sealed record CounterDelta(string DeviceId, string Reason, long HourMs, long Count, long Bytes, long LastMs, string? Detail);

/// <summary>
/// A refusal counter report to count once: its key (the topic's client name and the interval start) is stored; when it is
/// new <paramref name="Counted"/> is added, else <paramref name="Redelivered"/> (null: nothing).
/// </summary>
public sealed record RefusalRow(string Name, long StartMs, long ReceivedMs, CounterDelta Counted, CounterDelta? Redelivered);

/// <summary>A device seen in a batch: the newest report's (boot, seq) and version, when it sent one.</summary>
public sealed record DeviceSeen(long DeviceRef, long SeenMs, long? Boot, long? Seq, long? VersionCode);

/// <summary>Everything one ingest batch writes, in one transaction.</summary>
public sealed class IngestBatch
{
    /// <summary>
    /// The detection feed's row of this batch (<see cref="DetectionFeedStore"/>; null: detection is fed in process):
    /// called in the batch's transaction once its rows are written, with what they stored, it answers the body to
    /// append and its committed time (UTC ms), or null when the batch committed nothing detection reads (no row then).
    /// </summary>
    public Func<BatchResult, (byte[] Body, long CommittedMs)?>? Feed { get; set; }

    /// <summary>The instance name written on the feed row.</summary>
    public string FeedInstance { get; set; } = string.Empty;

    public List<HealthRow> Health { get; } = new();

    public List<EventRow> Events { get; } = new();

    public List<PresenceRow> Presence { get; } = new();

    public List<CounterDelta> Counters { get; } = new();

    public List<RefusalRow> Refusals { get; } = new();

    public List<DeviceSeen> Seen { get; } = new();
}

/// <summary>What a committed batch stored: one flag per row of the batch, in order.</summary>
public sealed record BatchResult(bool[] HealthInserted, bool[] EventsInserted, bool[] PresenceChanged)
{
    /// <summary>One flag per <see cref="IngestBatch.Refusals"/> row: true when its key was new (counted).</summary>
    public bool[] RefusalsInserted { get; init; } = System.Array.Empty<bool>();
}
