using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Response;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Extensions;

/// <summary>Something ingest saw that a response policy may act on: rate limits exceeded, payloads refused.</summary>
/// <param name="Reason">The counter reason (rate-limited-device, malformed-cbor, unknown-device...).</param>
/// <param name="Count">Messages of that reason from the device in the batch that raised the signal.</param>
public sealed record DeviceSignal(string DeviceId, string? CustomerId, string Reason, int Count, string Detail, long AtMs);

/// <summary>The actions of the response ladder (issue 13 §4): throttle, quarantine, lift, revoke.</summary>
public enum DeviceActionKind
{
    Throttle,
    Quarantine,
    Lift,
    Revoke,
}

/// <summary>A request to act on a device, by an operator (console, command line) or by a policy (actor "service").</summary>
/// <param name="Origin">Where the request came from, for the response layer's file audit (null: "service").</param>
/// <param name="Throttle">A throttle's rate and duration (null: the default, 6/h for 1 h).</param>
/// <param name="Ladder">
/// The response ladder's step to record if the action is done (the ladder's own throttle or quarantine), written in the
/// transaction of the action's record (null: none).
/// </param>
public sealed record DeviceActionRequest(string DeviceId, DeviceActionKind Kind, string Actor, string Reason, string? Origin = null, ThrottleSpec? Throttle = null,
    LadderChange? Ladder = null);

/// <summary>What an action did. Failed carries the detail (and is audited as such).</summary>
public sealed record ActionOutcome(bool Done, string Detail)
{
    /// <summary>
    /// What the mechanism's done action changes in the ladder's rows (a lift forgets the device's step and refused
    /// messages), written in the transaction of the action's record, not by the mechanism itself (null: nothing).
    /// </summary>
    public LadderChange? Ladder { get; init; }

    /// <summary>
    /// The owner's alert for the done action (its content: <see cref="SecureDevice.Fleet.Response.Alerts.AlertEvent.ForAction"/>),
    /// queued by the dispatcher in the transaction that records the action done, not by the mechanism itself (null: none).
    /// </summary>
    public SecureDevice.Fleet.Response.Alerts.AlertEvent? Alert { get; init; }

    public static ActionOutcome Succeeded(string detail) => new(true, detail);

    public static ActionOutcome Failed(string detail) => new(false, detail);
}

/// <summary>Executes an action and records it in the append-only audit (the service's <see cref="ResponseDispatcher"/>).</summary>
public interface IDeviceActions
{
    Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// Workstream C's side: the mechanisms (a throttle command on the down topic, quarantine at the broker, revocation)
/// and the policy that turns signals into actions and alerts. The service calls <see cref="OnSignalAsync"/> off the
/// ingest path (a bounded queue: when it is full, signals are dropped and counted, the counters table keeps the
/// record), and routes every action through <see cref="IDeviceActions"/>, which audits it before and whatever happens.
/// Default: <see cref="NoResponse"/>.
/// </summary>
public interface IDeviceResponse
{
    /// <summary>A signal from ingest; act through <paramref name="actions"/> so that every action is audited.</summary>
    Task OnSignalAsync(DeviceSignal signal, IDeviceActions actions, CancellationToken cancellationToken);

    /// <summary>
    /// Carries out one action (the mechanism only; the caller audits it and records the device's state and the
    /// outcome's <see cref="ActionOutcome.Ladder"/> change, in one transaction).
    /// </summary>
    Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// What the mechanisms' side holds for a device now (its role at the broker, its certificate's revocation), for the
    /// dispatcher's reconciler: an action left pending (its record failed after the mechanism ran, or the process died)
    /// is completed from it. Default: nothing can be read (<see cref="DeviceTruth.Unreadable"/>, not transient).
    /// </summary>
    Task<DeviceTruth> ReadAsync(string deviceId, CancellationToken cancellationToken) =>
        Task.FromResult(DeviceTruth.Unreadable("the response mechanism cannot tell what holds for the device", transient: false));

    /// <summary>
    /// The owner's alert for a pending <paramref name="action"/> the reconciler completes done (<paramref name="completion"/>),
    /// as the mechanism would have raised it; null: none (no owner, no alerts). Default: none.
    /// </summary>
    SecureDevice.Fleet.Response.Alerts.AlertEvent? ReconciledAlert(Storage.ActionRecord action, ActionCompletion completion) => null;

    /// <summary>
    /// Decides what becomes of an owner's alert (<see cref="SecureDevice.Fleet.Response.Alerts.AlertDispatcher.Plan"/>) for
    /// the dispatcher to write in the transaction that completes the action done; null: no alerts. Sends nothing, but reads
    /// the de-duplication state from the alert store (the database, synchronously, under the alert dispatcher's lock, as
    /// Notify does): with the database unreachable it waits up to the connection time-out.
    /// </summary>
    SecureDevice.Fleet.Response.Alerts.AlertPlan? PlanAlert(SecureDevice.Fleet.Response.Alerts.AlertEvent alert) => null;
}

/// <summary>What holds for a device at the broker and in the PKI, as the response mechanisms read it.</summary>
/// <param name="Read">False: the broker could not be read (<see cref="Detail"/> says why); <see cref="Access"/> means nothing.</param>
/// <param name="Transient">When not read: whether a later try may read it (the broker unreachable, no answer, the mechanisms not attached yet).</param>
/// <param name="Access">The device's client at the broker (dynamic security: its own role, the quarantine role, none, other).</param>
/// <param name="Revoked">The inventory (whose CRL the broker enforces) says the certificate is revoked; read even when the broker is not.</param>
public sealed record DeviceTruth(bool Read, bool Transient, SecureDevice.Fleet.Broker.DeviceAccess Access, bool Revoked, string Detail)
{
    public static DeviceTruth Unreadable(string detail, bool transient, bool revoked = false) => new(false, transient, SecureDevice.Fleet.Broker.DeviceAccess.Unregistered, revoked, detail);
}

/// <summary>The default: ignores signals; every action fails with "no response mechanism configured" (and is audited).</summary>
public sealed class NoResponse : IDeviceResponse
{
    public Task OnSignalAsync(DeviceSignal signal, IDeviceActions actions, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken) =>
        Task.FromResult(ActionOutcome.Failed("no response mechanism configured"));
}
