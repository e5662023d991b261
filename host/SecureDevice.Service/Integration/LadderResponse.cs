using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Storage;
using ServiceOutcome = SecureDevice.Service.Extensions.ActionOutcome;
using StoredAction = SecureDevice.Service.Storage.ActionRecord;

namespace SecureDevice.Service.Integration;

/// <summary>
/// The automatic response ladder (issue 13 §4) over workstream C's <see cref="ResponseActions"/>: throttle (a command
/// over the service's command connection), then quarantine (dynamic-security role swap), never revocation. Signals
/// arrive one at a time from the service's <see cref="ResponseDispatcher"/> worker (so the per-device state needs no
/// lock); every action goes through <see cref="IDeviceActions"/>, which audits it in the actions table. ResponseActions
/// audits it too (its hash-chained file in the data folder); the owner's alert of a done action
/// (<see cref="ResponseActions.AlertFor"/>) goes back with the outcome and the dispatcher queues it in the transaction
/// that records the action done (<see cref="PlanAlert"/>; the reconciler's: <see cref="ReconciledAlert"/>). The step each device
/// reached and since when live in the database (<see cref="ServiceStateSchema.LadderState"/>), read again at every
/// offence: a device throttled before a restart, or by another instance, is quarantined if it keeps offending after the
/// grace period; a lift (any instance) deletes the row. The row is never written here: it travels with the action
/// (<see cref="DeviceActionRequest.Ladder"/>, a lift's <see cref="ServiceOutcome.Ladder"/>) and the dispatcher writes it
/// in the transaction of the action's record. The refused messages of the window are in the database too
/// (<see cref="ServiceStateSchema.LadderRefusals"/>, migration 8), added at each signal: a restart, even kill -9, or
/// another instance goes on counting where it was (without a bound store, a unit under test, they are counted in memory).
/// </summary>
public sealed class LadderResponse : IDeviceResponse
{
    private readonly LadderPolicy _policy;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Ladder> _devices = new(StringComparer.Ordinal);
    private ResponseActions? _actions;
    private AlertDispatcher? _alerts;
    private ServiceStateStore? _state;
    private string _instance = "service";

    public LadderResponse(LadderPolicy policy, TimeProvider time)
    {
        _policy = policy;
        _time = time;
    }

    /// <summary>Set when the service is attached (the mechanisms need its connection and registry).</summary>
    /// <param name="actions">The mechanisms, without an alert sink of their own: the owner's alert is queued with the action's record.</param>
    /// <param name="alerts">The owner's alerts over the database's outbox that <paramref name="state"/> writes (null: nobody is alerted).</param>
    public void Bind(ResponseActions actions, ServiceStateStore state, string instance, AlertDispatcher? alerts = null)
    {
        _actions = actions;
        _state = state;
        _instance = instance;
        _alerts = alerts;
    }

    public async Task OnSignalAsync(DeviceSignal signal, IDeviceActions actions, CancellationToken cancellationToken)
    {
        bool finding = signal.Reason.StartsWith(DetectionWorker.FindingSignalPrefix, StringComparison.Ordinal);
        if (!finding && !_policy.Reasons.Contains(signal.Reason))
        {
            return;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (!_devices.TryGetValue(signal.DeviceId, out Ladder? ladder))
        {
            if (_devices.Count >= 100_000)
            {
                // Bounded: forget devices not yet acted on (a throttled or quarantined device's step is kept; the broker holds the quarantine itself).
                foreach (string quiet in _devices.Where(d => d.Value.Step == 0).Select(d => d.Key).Take(1000).ToList())
                {
                    _devices.Remove(quiet);
                }
            }

            ladder = new Ladder();
            _devices[signal.DeviceId] = ladder;
        }

        if (_state != null)
        {
            if (!finding)
            {
                ladder.BadCount = await _state.AddRefusalsAsync(signal.DeviceId, signal.Count, now.ToUnixTimeMilliseconds(), (long)_policy.Window.TotalMilliseconds,
                    RefusalBucketMs(_policy), cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            ladder.Bad.Enqueue((now, signal.Count));
            ladder.BadCount += signal.Count;
            while (ladder.Bad.Count > 0 && now - ladder.Bad.Peek().At > _policy.Window)
            {
                ladder.BadCount -= ladder.Bad.Dequeue().Count;
            }
        }

        bool offence = finding || ladder.BadCount >= _policy.BadMessages;
        // With a store, the remembered step is only a hint: a lift from another instance or the operator's command
        // line (securedevice respond lift --data) deletes the row, and the device must be throttled again if it offends.
        if (!offence || (_state == null && ladder.Step >= 2))
        {
            return;
        }

        if (_state != null)
        {
            // The database is the truth (a restart, another instance, a lift); a device without a row has had nothing done.
            LadderRow? row = await _state.GetLadderAsync(signal.DeviceId, cancellationToken).ConfigureAwait(false);
            ladder.Step = row?.Step ?? 0;
            ladder.ThrottledAt = row?.ThrottledMs is long throttledMs ? DateTimeOffset.FromUnixTimeMilliseconds(throttledMs) : default;
            if (ladder.Step >= 2)
            {
                return;
            }
        }

        string why = finding ? "detection: " + signal.Detail : ladder.BadCount + " refused messages in " + (int)_policy.Window.TotalSeconds + " s (last: " + signal.Reason + ")";
        // The step's row goes with the request: the dispatcher writes it, if the action is done, in the transaction of
        // the action's record and state (a crash leaves all of them or none).
        if (ladder.Step == 0)
        {
            ServiceOutcome outcome = await actions.ExecuteAsync(new DeviceActionRequest(signal.DeviceId, DeviceActionKind.Throttle, ResponseActions.ServiceActor, why,
                Ladder: Step(signal.DeviceId, 1, now, null, now)), cancellationToken).ConfigureAwait(false);
            if (outcome.Done)
            {
                ladder.Step = 1;
                ladder.ThrottledAt = now;
            }
        }
        else if (now - ladder.ThrottledAt >= _policy.Grace)
        {
            ServiceOutcome outcome = await actions.ExecuteAsync(new DeviceActionRequest(signal.DeviceId, DeviceActionKind.Quarantine, ResponseActions.ServiceActor,
                "still offending " + (int)(now - ladder.ThrottledAt).TotalSeconds + " s after the throttle: " + why,
                Ladder: Step(signal.DeviceId, 2, ladder.ThrottledAt == default ? null : ladder.ThrottledAt, now, now)), cancellationToken).ConfigureAwait(false);
            if (outcome.Done)
            {
                ladder.Step = 2;
            }
        }
    }

    public async Task<ServiceOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken)
    {
        if (_actions == null)
        {
            return ServiceOutcome.Failed("the response mechanisms are not attached yet");
        }

        string origin = request.Origin ?? ResponseActions.ServiceActor;
        ActionResult result = request.Kind switch
        {
            DeviceActionKind.Throttle => await _actions.ThrottleAsync(request.DeviceId, request.Actor, request.Reason, origin, request.Throttle, cancellationToken).ConfigureAwait(false),
            DeviceActionKind.Quarantine => await _actions.QuarantineAsync(request.DeviceId, request.Actor, request.Reason, origin, cancellationToken).ConfigureAwait(false),
            DeviceActionKind.Lift => await _actions.LiftAsync(request.DeviceId, request.Actor, request.Reason, origin, cancellationToken).ConfigureAwait(false),
            _ => await _actions.RevokeAsync(request.DeviceId, request.Actor, request.Reason, origin, cancellationToken).ConfigureAwait(false),
        };
        string detail = result.Status + (string.IsNullOrEmpty(result.Record.Detail) ? string.Empty : ": " + result.Record.Detail);
        if (!result.Succeeded)
        {
            return ServiceOutcome.Failed(detail);
        }

        // The owner's alert, from the mechanism's own end record (what ResponseActions would send), is queued by the
        // dispatcher in the transaction that records the action done.
        ServiceOutcome done = ServiceOutcome.Succeeded(detail) with { Alert = _alerts != null ? _actions.AlertFor(result.Record) : null };
        if (request.Kind == DeviceActionKind.Lift)
        {
            // The memory is only a hint (the row is read again at every offence); the rows are deleted by the dispatcher
            // with the lift's record, in one transaction: a lift whose record failed has not forgotten the ladder.
            _devices.Remove(request.DeviceId);
            return done with { Ladder = _state != null ? LadderChange.Forget(request.DeviceId) : null };
        }

        return done;
    }

    public AlertEvent? ReconciledAlert(StoredAction action, ActionCompletion completion)
    {
        if (_actions == null || _alerts == null || !Enum.TryParse(action.Kind, true, out ActionKind kind))
        {
            return null;
        }

        // The record the mechanism would have ended with, from the row and the reconciler's reading: the same alert content.
        return _actions.AlertFor(new SecureDevice.Fleet.Response.ActionRecord
        {
            ActionId = "action-" + action.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Time = DateTimeOffset.FromUnixTimeMilliseconds(completion.AtMs),
            DeviceId = action.DeviceId, Kind = kind, Actor = action.Actor, Origin = "reconciler", Reason = action.Reason,
            Outcome = SecureDevice.Fleet.Response.ActionOutcome.Done, Status = ActionStatus.Done, Detail = completion.Detail ?? string.Empty,
        });
    }

    public AlertPlan? PlanAlert(AlertEvent alert) => _alerts?.Plan(alert);

    public async Task<DeviceTruth> ReadAsync(string deviceId, CancellationToken cancellationToken)
    {
        if (_actions == null)
        {
            return DeviceTruth.Unreadable("the response mechanisms are not attached yet", transient: true);
        }

        bool revoked = _actions.IsRevoked(deviceId);
        (SecureDevice.Fleet.Broker.BrokerAccessResult result, SecureDevice.Fleet.Broker.DeviceAccess access) = await _actions.ReadAccessAsync(deviceId, cancellationToken).ConfigureAwait(false);
        return result.Succeeded
            ? new DeviceTruth(true, false, access, revoked, "the broker holds " + access.ToString().ToLowerInvariant())
            : DeviceTruth.Unreadable("the broker could not be read (" + result.Status + ": " + result.Detail + ")",
                result.Status is SecureDevice.Fleet.Broker.BrokerAccessStatus.Unreachable or SecureDevice.Fleet.Broker.BrokerAccessStatus.Timeout, revoked);
    }

    /// <summary>The resolution refused messages are counted at: a thirtieth of the window (10 s for the default 5 minutes), at least 1 ms.</summary>
    internal static long RefusalBucketMs(LadderPolicy policy) => Math.Max(1, (long)policy.Window.TotalMilliseconds / 30);

    /// <summary>The row of <paramref name="step"/> to record with the action (null without a bound store: the ladder is in memory only).</summary>
    private LadderChange? Step(string deviceId, int step, DateTimeOffset? throttledAt, DateTimeOffset? quarantinedAt, DateTimeOffset now) =>
        _state == null
            ? null
            : LadderChange.Save(new LadderRow(deviceId, step, throttledAt?.ToUnixTimeMilliseconds(), quarantinedAt?.ToUnixTimeMilliseconds(), now.ToUnixTimeMilliseconds(), _instance));

    private sealed class Ladder
    {
        public Queue<(DateTimeOffset At, int Count)> Bad { get; } = new();

        public long BadCount { get; set; }

        /// <summary>0 none, 1 throttled, 2 quarantined.</summary>
        public int Step { get; set; }

        public DateTimeOffset ThrottledAt { get; set; }
    }
}
