using System;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response.Alerts;

namespace SecureDevice.Fleet.Response;

/// <summary>A throttle's limits: messages and connection attempts per hour (1..3600) for a duration (1 s..24 h).</summary>
public sealed record ThrottleSpec(int RatePerHour, TimeSpan Duration)
{
    /// <summary>The default: 6 per hour (one every 10 minutes, a fifth of the firmware's own telemetry budget) for an hour.</summary>
    public static ThrottleSpec Default { get; } = new(6, TimeSpan.FromHours(1));
}

/// <summary>
/// The response ladder (docs/response.md): <see cref="ThrottleAsync"/>, <see cref="QuarantineAsync"/>,
/// <see cref="LiftAsync"/> (undoes both) and <see cref="RevokeAsync"/> (never undone). Each call names the device, who acts
/// (an operator's name or "service"), why, and from where; each is audited before it acts (fail closed: no audit, no
/// action) and again with its end; a done action alerts the device's owner through <see cref="IAlertSink"/>. Expected
/// failures are values (<see cref="ActionStatus"/>), never exceptions. Safe to call concurrently.
/// </summary>
public sealed class ResponseActions
{
    /// <summary>The actor name of automatic actions (the service's own detection); it may throttle, quarantine and lift, never revoke.</summary>
    public const string ServiceActor = "service";

    /// <summary>Longest reason kept, characters.</summary>
    public const int MaxReasonLength = 512;

    private readonly IDeviceDirectory _devices;
    private readonly IActionAudit _audit;
    private readonly IDeviceCommandPublisher _commands;
    private readonly IBrokerAccessControl _broker;
    private readonly IRevoker _revoker;
    private readonly TimeProvider _time;
    private readonly IAlertSink? _alerts;

    public ResponseActions(IDeviceDirectory devices, IActionAudit audit, IDeviceCommandPublisher commands, IBrokerAccessControl broker, IRevoker revoker, TimeProvider? time = null, IAlertSink? alerts = null)
    {
        _devices = devices;
        _audit = audit;
        _commands = commands;
        _broker = broker;
        _revoker = revoker;
        _time = time ?? TimeProvider.System;
        _alerts = alerts;
    }

    /// <summary>Publishes a throttle command (retained, expiring with it) on the device's down topic.</summary>
    public Task<ActionResult> ThrottleAsync(string deviceId, string actor, string reason, string origin = "service", ThrottleSpec? spec = null, CancellationToken cancellation = default)
    {
        ThrottleSpec limits = spec ?? ThrottleSpec.Default;
        if (limits.RatePerHour < 1 || limits.RatePerHour > ThrottleCommands.LiftRatePerHour || limits.Duration < TimeSpan.FromSeconds(1) || limits.Duration > TimeSpan.FromHours(24))
        {
            return Task.FromResult(Refuse(ActionKind.Throttle, deviceId, actor, reason, origin, "the throttle must be 1..3600 per hour for 1 s..24 h"));
        }

        return RunAsync(ActionKind.Throttle, deviceId, actor, reason, origin, cancellation, async (device, now) =>
        {
            BrokerAccessResult sent = await _commands.PublishAsync(new DeviceCommand(ThrottleTopic(device.Id), ThrottleCommands.Throttle(limits.RatePerHour, limits.Duration, now), true, limits.Duration), cancellation).ConfigureAwait(false);
            return (Map(sent.Status), sent.Succeeded ? "throttle " + limits.RatePerHour + "/h until " + (now + limits.Duration).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture) : sent.Detail);
        });
    }

    /// <summary>Replaces the device's broker role by the quarantine role (the plugin disconnects it): its publishes reach nobody and it receives nothing.</summary>
    public Task<ActionResult> QuarantineAsync(string deviceId, string actor, string reason, string origin = "service", CancellationToken cancellation = default)
    {
        return RunAsync(ActionKind.Quarantine, deviceId, actor, reason, origin, cancellation, async (device, now) =>
        {
            BrokerAccessResult done = await _broker.QuarantineAsync(device.Id, cancellation).ConfigureAwait(false);
            return (Map(done.Status), done.Succeeded ? "role replaced by 'quarantined'; connection ended" : done.Detail);
        });
    }

    /// <summary>Ends a throttle (a lift command, retained for its short window) and a quarantine (the device's own role again).</summary>
    public Task<ActionResult> LiftAsync(string deviceId, string actor, string reason, string origin = "service", CancellationToken cancellation = default)
    {
        return RunAsync(ActionKind.Lift, deviceId, actor, reason, origin, cancellation, async (device, now) =>
        {
            // The role first: a device still quarantined would not receive the lift command.
            BrokerAccessResult released = await _broker.ReleaseAsync(device.Id, cancellation).ConfigureAwait(false);
            if (!released.Succeeded)
            {
                return (Map(released.Status), "role not restored: " + released.Detail);
            }

            BrokerAccessResult sent = await _commands.PublishAsync(new DeviceCommand(ThrottleTopic(device.Id), ThrottleCommands.Lift(now), true, ThrottleCommands.LiftWindow), cancellation).ConfigureAwait(false);
            return (Map(sent.Status), sent.Succeeded ? "own role restored; lift command sent (3600/h for " + ThrottleCommands.LiftWindow.TotalSeconds + " s)" : "own role restored, but the lift command failed: " + sent.Detail);
        });
    }

    /// <summary>
    /// Revokes the certificate (inventory, CRL, broker reload) and deletes the device's broker client, which ends its
    /// connection. An operator's decision only: the automatic actor (<see cref="ServiceActor"/>) is refused, because it
    /// cannot be undone and a detection rule can be wrong or fooled by a device that lies.
    /// </summary>
    public Task<ActionResult> RevokeAsync(string deviceId, string actor, string reason, string origin = "operator", CancellationToken cancellation = default)
    {
        if (IsServiceActor(actor))
        {
            return Task.FromResult(Refuse(ActionKind.Revoke, deviceId, actor, reason, origin, "revocation is an operator's decision: the automatic actor '" + ServiceActor + "' may not revoke"));
        }

        return RunAsync(ActionKind.Revoke, deviceId, actor, reason, origin, cancellation, async (device, now) =>
        {
            RevocationResult revoked;
            try
            {
                revoked = _revoker.Revoke(device.Id, now);
            }
            catch (FleetException error)
            {
                ActionStatus status = error.Error switch
                {
                    FleetError.Busy => ActionStatus.PkiBusy,
                    FleetError.NotFound when error.Message.Contains("inventory", StringComparison.Ordinal) => ActionStatus.UnknownDevice,
                    _ => ActionStatus.PkiFailed,
                };
                return (status, error.Message);
            }

            string pki = (revoked.Outcome == RevocationOutcome.AlreadyRevoked ? "already revoked" : "revoked") + " (serial " + revoked.Device.Serial + ", CRL " + revoked.CrlNumber + ", broker reloaded)";
            BrokerAccessResult removed = await _broker.RemoveAsync(device.Id, cancellation).ConfigureAwait(false);
            return (Map(removed.Status), removed.Succeeded ? pki + "; broker client deleted, connection ended" : pki + "; but the broker client was not deleted: " + removed.Detail);
        }, allowRevoked: true);
    }

    /// <summary>
    /// What the device holds at the broker now, read without changing anything: the fleet service's reconciler completes
    /// an action whose database record failed after the mechanism ran from it (docs/response.md, "Pending actions").
    /// </summary>
    public Task<(BrokerAccessResult Result, DeviceAccess Access)> ReadAccessAsync(string deviceId, CancellationToken cancellation = default) =>
        _broker.GetAsync(deviceId, cancellation);

    /// <summary>Whether the directory (the inventory, whose CRL the broker enforces) says the device's certificate is revoked.</summary>
    public bool IsRevoked(string deviceId) => _devices.Find(deviceId)?.Status == DeviceStatus.Revoked;

    /// <summary>The down topic of throttle commands for <paramref name="deviceId"/>.</summary>
    public static string ThrottleTopic(string deviceId) => BrokerConfig.TopicPrefix + "/" + deviceId + "/down/" + SecureDevice.Core.Connectivity.Topics.ThrottleLeaf;

    private static ActionStatus Map(BrokerAccessStatus status) => status switch
    {
        BrokerAccessStatus.Done => ActionStatus.Done,
        BrokerAccessStatus.Unreachable or BrokerAccessStatus.Timeout => ActionStatus.BrokerUnreachable,
        _ => ActionStatus.BrokerRefused,
    };

    /// <summary>Whether <paramref name="actor"/> names the automatic actor (<see cref="ServiceActor"/>, any case, trimmed).</summary>
    public static bool IsServiceActor(string? actor) => string.Equals(actor?.Trim(), ServiceActor, StringComparison.OrdinalIgnoreCase);

    private static bool IsId(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsText(string? text, int max)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > max)
        {
            return false;
        }

        foreach (char c in text)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069'))
            {
                return false;
            }
        }

        return true;
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    private ActionResult Refuse(ActionKind kind, string deviceId, string actor, string reason, string origin, string detail)
    {
        var record = new ActionRecord
        {
            ActionId = NewId(), Time = _time.GetUtcNow(), DeviceId = deviceId ?? string.Empty, Kind = kind, Actor = actor ?? string.Empty,
            Origin = origin ?? string.Empty, Reason = reason ?? string.Empty, Outcome = ActionOutcome.Failed, Status = ActionStatus.InvalidRequest, Detail = detail,
        };
        return new ActionResult(ActionOutcome.Failed, ActionStatus.InvalidRequest, record);
    }

    /// <summary>
    /// Why a request is refused as <see cref="ActionStatus.InvalidRequest"/> before anything is audited or done, or null
    /// when its text is acceptable. Untrusted text is refused, not repaired: it goes into the audit, alerts and the
    /// broker's topics. Callers that record requests elsewhere (the service's actions table) check first with this.
    /// </summary>
    public static string? RequestProblem(string? deviceId, string? actor, string? reason, string? origin) =>
        IsId(deviceId) && IsText(actor, 64) && IsText(reason, MaxReasonLength) && IsText(origin, 128)
            ? null
            : "device id must be 1-64 of [A-Za-z0-9_-]; actor (64), reason (" + MaxReasonLength + ") and origin (128) non-empty, without control characters";

    private async Task<ActionResult> RunAsync(ActionKind kind, string deviceId, string actor, string reason, string origin, CancellationToken cancellation,
        Func<DeviceInfo, DateTimeOffset, Task<(ActionStatus Status, string Detail)>> act, bool allowRevoked = false)
    {
        if (RequestProblem(deviceId, actor, reason, origin) is string problem)
        {
            return Refuse(kind, deviceId, actor, reason, origin, problem);
        }

        DateTimeOffset now = _time.GetUtcNow();
        var started = new ActionRecord
        {
            ActionId = NewId(), Time = now, DeviceId = deviceId, Kind = kind, Actor = actor, Origin = origin, Reason = reason,
            Outcome = ActionOutcome.Started, Status = ActionStatus.Done, Detail = "started",
        };

        DeviceInfo? device;
        try
        {
            device = _devices.Find(deviceId);
        }
        catch (FleetException error)
        {
            return End(started, ActionStatus.PkiFailed, "the device registry cannot be read: " + error.Message, null);
        }

        if (device == null)
        {
            return End(started, ActionStatus.UnknownDevice, "no device " + deviceId + " in the registry", null);
        }

        if (device.Status == DeviceStatus.Revoked && !allowRevoked)
        {
            return End(started, ActionStatus.DeviceRevoked, "the device is revoked: nothing but revocation applies", null);
        }

        if (!_audit.TryAppend(started, out started))
        {
            return new ActionResult(ActionOutcome.Failed, ActionStatus.AuditUnavailable, started with { Outcome = ActionOutcome.Failed, Status = ActionStatus.AuditUnavailable, Detail = "the audit cannot be written; nothing was done" });
        }

        (ActionStatus status, string detail) = await act(device, now).ConfigureAwait(false);
        return End(started, status, detail, device);
    }

    /// <summary>
    /// The owner's alert for a done action (<paramref name="record"/>: its end), as <see cref="End"/> raises it itself when
    /// a sink is given; null when the registry has no owner for the device. For a caller that queues the alert with its
    /// own record of the action instead (the fleet service: in the transaction that completes the action done).
    /// </summary>
    public AlertEvent? AlertFor(ActionRecord record)
    {
        DeviceInfo? device;
        try
        {
            device = _devices.Find(record.DeviceId);
        }
        catch (FleetException)
        {
            return null;
        }

        return device?.Owner != null ? AlertEvent.ForAction(device.Owner, record) : null;
    }

    private ActionResult End(ActionRecord started, ActionStatus status, string detail, DeviceInfo? device)
    {
        ActionOutcome outcome = status == ActionStatus.Done ? ActionOutcome.Done : ActionOutcome.Failed;
        ActionRecord end = started with { Sequence = 0, Time = _time.GetUtcNow(), Outcome = outcome, Status = status, Detail = detail };
        if (!_audit.TryAppend(end, out end))
        {
            // The action's effect stands (it cannot be taken back here); the caller learns that it is unrecorded.
            return new ActionResult(outcome, ActionStatus.AuditUnavailable, end with { Detail = detail + " (the audit could not record this end)" });
        }

        if (outcome == ActionOutcome.Done && device?.Owner != null)
        {
            _alerts?.Notify(AlertEvent.ForAction(device.Owner, end));
        }

        return new ActionResult(outcome, status, end);
    }
}
