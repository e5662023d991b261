using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Service.Storage;

/// <summary>What ingest and the registry write.</summary>
public interface IIngestStore
{
    /// <summary>Every device in the registry.</summary>
    Task<IReadOnlyList<DeviceRecord>> ListDevicesAsync(CancellationToken cancellationToken);

    /// <summary>Makes the registry match the PKI inventory: adds, updates, marks removed; one transaction.</summary>
    Task<RegistrySyncResult> SyncRegistryAsync(IReadOnlyList<RegistryEntry> entries, long nowMs, CancellationToken cancellationToken);

    /// <summary>Writes one batch in one transaction; a report or event stored already is counted, not stored again.</summary>
    Task<BatchResult> CommitAsync(IngestBatch batch, CancellationToken cancellationToken);
}

/// <summary>Roll-ups, retention, size and the daily summary.</summary>
public interface IMaintenanceStore
{
    /// <summary>Recomputes the hourly roll-ups of the hour starting at <paramref name="hourMs"/> from the raw reports; rows written.</summary>
    Task<int> RollUpHourAsync(long hourMs, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes what is older than its retention, in chunks; rows deleted per table. Raw reports are never deleted at or
    /// after <paramref name="rolledUpToMs"/> (hours not rolled up yet).
    /// </summary>
    Task<IReadOnlyDictionary<string, long>> PruneAsync(RetentionPolicy policy, long nowMs, long rolledUpToMs, CancellationToken cancellationToken);

    Task<long> DatabaseBytesAsync(CancellationToken cancellationToken);

    /// <summary>Adds <paramref name="delta"/>'s counters to its day's row; peak memory and database size keep the maximum.</summary>
    Task AddDailyAsync(DailySummary delta, CancellationToken cancellationToken);

    Task<long?> GetStateAsync(string name, CancellationToken cancellationToken);

    Task SetStateAsync(string name, long value, CancellationToken cancellationToken);

    /// <summary>Service-state rows whose name starts with <paramref name="prefix"/> and whose value is at least <paramref name="minValue"/>.</summary>
    Task<int> CountStatesAsync(string prefix, long minValue, CancellationToken cancellationToken);

    /// <summary>
    /// What the database says about when <paramref name="instance"/> was last up, for a restart without a saved last-up
    /// time (<see cref="SecureDevice.Service.Ingest.FairLimiter.ResumeFrom"/>): the newest receive time committed by any
    /// instance (reports, events, counters) and the newest daily-summary flush of this instance. Cheap: the maxima come
    /// from the receive-time indexes, the daily rows are one per day and instance.
    /// </summary>
    Task<ResumeEvidence> ReadResumeEvidenceAsync(string instance, CancellationToken cancellationToken);

    /// <summary>Receive time of the oldest raw report, or null when there is none.</summary>
    Task<long?> OldestHealthMsAsync(CancellationToken cancellationToken);

    /// <summary>Raw report rows stored (all devices).</summary>
    Task<long> CountHealthAsync(CancellationToken cancellationToken);
}

/// <summary>Reads for the console, the API and the tests.</summary>
public interface IFleetQueries
{
    Task<DeviceRecord?> GetDeviceAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>A device's reports received in [from, to), oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<HealthRecord>> ListHealthAsync(string deviceId, long fromMs, long toMs, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<EventRecord>> ListEventsAsync(string deviceId, long fromMs, int limit, CancellationToken cancellationToken);

    /// <summary>Counter rows from <paramref name="fromMs"/> on, for one device id or (null) for all.</summary>
    Task<IReadOnlyList<CounterRecord>> ListCountersAsync(string? deviceId, long fromMs, CancellationToken cancellationToken);

    /// <summary>
    /// One device id's counters from <paramref name="fromMs"/> on, one row per reason (summed over the hours), by reason,
    /// at most <paramref name="limit"/> rows: the console's and the API's bounded read.
    /// </summary>
    Task<IReadOnlyList<CounterTotal>> ListCounterTotalsAsync(string deviceId, long fromMs, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<HourlyRecord>> ListHourlyAsync(string deviceId, long fromMs, long toMs, CancellationToken cancellationToken);

    Task<IReadOnlyList<DailySummary>> ListDailyAsync(long fromMs, CancellationToken cancellationToken);
}

/// <summary>Findings of the detectors (workstream B).</summary>
public interface IFindingStore
{
    /// <summary>Opens a finding or updates the open one of the same device and rule; its id.</summary>
    Task<long> UpsertFindingAsync(FindingRecord finding, CancellationToken cancellationToken);

    /// <summary>Clears the open finding of the device and rule, if any.</summary>
    Task<bool> ClearFindingAsync(string deviceId, string rule, long atMs, CancellationToken cancellationToken);

    Task<IReadOnlyList<FindingRecord>> ListFindingsAsync(string? deviceId, bool openOnly, int limit, CancellationToken cancellationToken);
}

/// <summary>The action audit (append-only but for the one completion of a pending row) and device states (workstream C).</summary>
public interface IActionStore
{
    /// <summary>
    /// Writes the action's intent, <paramref name="action"/> with outcome <see cref="ActionRecord.Pending"/>, in a
    /// transaction of its own, before the mechanism runs: an action whose intent cannot be written is not carried out
    /// (never act unaudited). The row's id, for <see cref="CompleteActionAsync"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The outcome is not pending.</exception>
    Task<long> BeginActionAsync(ActionRecord action, CancellationToken cancellationToken);

    /// <summary>
    /// Completes a pending action and writes what it changed, in one transaction, so that no reader (console, API,
    /// another instance) sees the outcome without the device's state and a crash leaves all of it or none: the audit
    /// row's outcome, detail and completion time (<see cref="Tables.Actions"/>: a pending row is completed once, the
    /// database refuses every other change); the device's service state; when the service ended the device's connection
    /// (quarantine, revocation), the cut: presence <c>offline</c> since the completion with that reason and a presence
    /// event saying so (the device's will cannot say it: it lost its publish rights with the kick; only its own next
    /// "online", received after that time, replaces it); and the response ladder's rows, so that a crash never leaves a
    /// done throttle the ladder does not know (it would throttle again instead of quarantining) nor a forgotten ladder
    /// without the lift's record. A device the devices table does not have gets the record (and the ladder change) alone.
    /// False, and nothing written, when the row is no longer pending (completed already, by the dispatcher or a
    /// reconciler) or does not exist.
    /// </summary>
    /// <exception cref="ArgumentException">The outcome is neither done nor failed, or the ladder change is for another device.</exception>
    Task<bool> CompleteActionAsync(ActionCompletion completion, CancellationToken cancellationToken);

    /// <summary>
    /// The actions still pending whose intent was written before <paramref name="beforeMs"/>, oldest first (by intent
    /// time, then id), at most <paramref name="limit"/>; with <paramref name="after"/>, only those after that row in this
    /// order (a keyset cursor: the reconciler pages through them, and rows completed meanwhile do not shift the pages).
    /// </summary>
    Task<IReadOnlyList<ActionRecord>> ListPendingActionsAsync(long beforeMs, PendingCursor? after, int limit, CancellationToken cancellationToken);

    Task<IReadOnlyList<ActionRecord>> ListActionsAsync(string? deviceId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// What the device's stored health reports say about <paramref name="throttle"/> (the reconciler's read of a pending
    /// throttle): its reports received at or after <paramref name="fromMs"/> (after the throttle's intent) and before the
    /// intent of the device's next action (by intent time, then id) and before <paramref name="toMs"/> (the longest
    /// throttle's end: no later report can show it in force, and the bound keeps the read off the rest of the device's
    /// stored reports), oldest first, at most <paramref name="limit"/> of them read: the earliest carrying the Throttled
    /// flag, and how many (and the latest) did not.
    /// </summary>
    Task<ThrottleReports> ReadThrottleReportsAsync(ActionRecord throttle, long fromMs, long toMs, int limit, CancellationToken cancellationToken);
}

/// <summary>Alerts and their delivery (workstream C).</summary>
public interface IAlertStore
{
    Task<long> AddAlertAsync(AlertRecord alert, CancellationToken cancellationToken);

    Task<bool> UpdateAlertAsync(long id, string state, long attempts, string? lastError, long nowMs, CancellationToken cancellationToken);

    Task<IReadOnlyList<AlertRecord>> ListAlertsAsync(string? customerId, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// The service's data access: one implementation (<see cref="FleetStore"/>) over SQLite or PostgreSQL, so the same test
/// suite runs against both.
/// </summary>
public interface IFleetStore : IIngestStore, IMaintenanceStore, IFleetQueries, IFindingStore, IActionStore, IAlertStore, IAsyncDisposable
{
    /// <summary>"sqlite" or "postgres".</summary>
    string Dialect { get; }

    /// <summary>Where the data is (a path, or the database URL without its password).</summary>
    string Description { get; }

    /// <summary>Applies the migrations this database lacks; the schema version afterwards.</summary>
    Task<int> MigrateAsync(long nowMs, CancellationToken cancellationToken);

    /// <summary>True when a trivial query succeeds.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken);

    /// <summary>An error that may pass on retry, as opposed to one a value causes.</summary>
    bool IsTransient(Exception error);
}

/// <summary>How long each kind of row is kept, in days.</summary>
public sealed record RetentionPolicy(int RawDays, int EventDays, int HourlyDays, int CounterDays, int DailyDays);
