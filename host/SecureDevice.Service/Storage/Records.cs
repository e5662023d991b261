namespace SecureDevice.Service.Storage;

/// <summary>
/// A device's standing in the service's registry. Status: active, revoked, removed (gone from the inventory). Product:
/// from the inventory, <see cref="UnknownProduct"/> when it names none. Presence: online, offline or unknown since
/// <paramref name="PresenceMs"/>, as the device last said it, or <c>offline</c> with <paramref name="PresenceReason"/>
/// when the service cut it (its quarantine or revocation ended the connection; the device's own next "online" clears it).
/// </summary>
public sealed record DeviceRecord(
    long Ref, string DeviceId, string? CustomerId, string Serial, string Sha256, long NotAfterMs, long ProvisionedMs, string Status, long? RevokedMs,
    string ServiceState, long? FirstSeenMs, long? LastSeenMs, long? LastBoot, long? LastSeq, long? VersionCode, string Presence, long? PresenceMs,
    string Product = DeviceRecord.UnknownProduct, string? PresenceReason = null)
{
    /// <summary>The product of a device whose inventory entry names none (detection's own name for it).</summary>
    public const string UnknownProduct = "unknown";
}

/// <summary>One device of the PKI inventory as the registry stores it (status "active" or "revoked").</summary>
public sealed record RegistryEntry(string DeviceId, string? CustomerId, string Serial, string Sha256, long NotAfterMs, long ProvisionedMs, string Status, long? RevokedMs,
    string Product = DeviceRecord.UnknownProduct);

/// <summary>What a registry synchronisation changed.</summary>
public sealed record RegistrySyncResult(int Added, int Changed, int Removed, int Total);

/// <summary>A stored health report.</summary>
public sealed record HealthRecord(
    string DeviceId, long ReceivedMs, long Boot, long Seq, long UptimeS, long BootReason, long? SupplyMv, long? HeapFreeKiB, long? ManagedFreeKiB,
    long BytesUp, long BytesDown, long WireBytes, long? RssiDbm, long Attempts, long Rejected, long VersionCode, long Flags, byte[] Payload);

/// <summary>A stored device event (kind: update, fault, invalid-reading, presence, or another kind the device named).</summary>
public sealed record EventRecord(string DeviceId, long ReceivedMs, string Kind, string? EventKey, long? Boot, long? Seq, string Payload);

/// <summary>One per-device counter row: what ingest refused or set aside, by reason and hour.</summary>
public sealed record CounterRecord(string DeviceId, string Reason, long HourMs, long Count, long Bytes, long LastMs, string? LastDetail);

/// <summary>One device's counter rows of one reason summed over a window: count, bytes, the newest time and the newest detail (untrusted text).</summary>
public sealed record CounterTotal(string Reason, long Count, long Bytes, long LastMs, string? LastDetail);

/// <summary>One device-hour of roll-ups.</summary>
public sealed record HourlyRecord(
    string DeviceId, long HourMs, long Reports, long PayloadBytes, long Boots, long UncleanBoots, long? SupplyMin, long? SupplyMax, double? SupplyAvg,
    long? HeapFreeMin, long BytesUp, long BytesDown, long WireBytes, long AttemptsMax, long RejectedMax, long VersionCode);

/// <summary>The service's own figures for one UTC day and instance (additive counters; peak and size are maxima).</summary>
public sealed record DailySummary(
    long DayMs, string Instance, long Messages, long BytesIn, long Reports, long Events, long Rejected, long CpuMs, long PeakRssBytes, long DatabaseBytes,
    long RawRows, long UpdatedMs);

/// <summary>
/// The database's evidence of when an instance was last up (<see cref="IMaintenanceStore.ReadResumeEvidenceAsync"/>): the
/// newest receive time committed by any instance (null: nothing stored) and the instance's newest daily flush (null: none).
/// </summary>
public sealed record ResumeEvidence(long? NewestCommitMs, long? InstanceFlushMs);

/// <summary>A detection finding (workstream B). Severity info/warning/critical; state open/cleared.</summary>
public sealed record FindingRecord(
    long Id, string DeviceId, string Rule, string Severity, bool TrustsDevice, double? Observed, double? Expected, string Evidence, long FirstSeenMs,
    long LastSeenMs, string State);

/// <summary>
/// An audited action on a device (workstream C): kind throttle/quarantine/lift/revoke, outcome pending/done/failed. A
/// pending row is the intent, written before the mechanism ran (<see cref="AtMs"/>); it is completed once, done or
/// failed, at <see cref="CompletedMs"/> (null: written complete at <see cref="AtMs"/>, or still pending).
/// </summary>
public sealed record ActionRecord(long Id, string DeviceId, string Kind, string Actor, string Reason, long AtMs, string Outcome, string? Detail, long? CompletedMs = null)
{
    /// <summary>The intent, written before the mechanism runs: not done, not failed yet.</summary>
    public const string Pending = "pending";

    public const string Done = "done";

    public const string Failed = "failed";
}

/// <summary>
/// How a pending action ended and what it changes, written in one transaction (<see cref="IActionStore.CompleteActionAsync"/>).
/// </summary>
/// <param name="Outcome"><see cref="ActionRecord.Done"/> or <see cref="ActionRecord.Failed"/>.</param>
/// <param name="AtMs">When it completed: the completion time, and the presence cut's.</param>
/// <param name="ServiceState">The device's service state (normal, throttled, quarantined; null: unchanged).</param>
/// <param name="CutReason">When the action ended the device's connection (quarantine, revocation): why presence is offline (null: no cut).</param>
/// <param name="Ladder">The response ladder's rows to change with it (null: unchanged).</param>
/// <param name="Alert">
/// The owner's alert to queue in the outbox with it (done only; null: none): its deliveries and de-duplication state,
/// so that the alert is queued if and only if the action is recorded done.
/// </param>
public sealed record ActionCompletion(long Id, string Outcome, string? Detail, long AtMs, string? ServiceState = null, string? CutReason = null, LadderChange? Ladder = null,
    SecureDevice.Fleet.Response.Alerts.AlertPlan? Alert = null);

/// <summary>An alert to a device's owner (workstream C): channel webhook/email; state queued/sent/failed/dead.</summary>
public sealed record AlertRecord(
    long Id, string CustomerId, string? DeviceId, string Kind, string Channel, string State, long Attempts, string? LastError, string? DedupeKey, long CreatedMs,
    long UpdatedMs);
