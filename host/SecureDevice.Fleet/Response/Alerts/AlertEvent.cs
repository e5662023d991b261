using System;
using SecureDevice.Fleet.Response;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>How bad an alert is (a finding's severity; actions are warnings, revocation critical).</summary>
public enum AlertSeverity
{
    Info,
    Warning,
    Critical,
}

/// <summary>
/// A state change the owner of a device is told about: a finding opened or cleared, or an action taken. Alerts are
/// de-duplicated on (<see cref="CustomerId"/>, <see cref="DeviceId"/>, <see cref="Subject"/>): a state equal to the last
/// one sent for that key is not a change and is not sent again.
/// </summary>
public sealed record AlertEvent
{
    /// <summary>The customer (the device's owner in the registry).</summary>
    public required string CustomerId { get; init; }

    /// <summary>The device, or null for an alert about the customer's fleet as a whole (a halted update rollout, a console failure burst).</summary>
    public required string? DeviceId { get; init; }

    /// <summary>What it is about: the finding's rule (kebab-case, e.g. coin-miner) or the action kind (throttle, quarantine, lift, revoke).</summary>
    public required string Kind { get; init; }

    /// <summary>The de-duplication key within a device: the rule for findings, "response" for actions (one state per device).</summary>
    public required string Subject { get; init; }

    /// <summary>The new state: opened/cleared for findings; throttled/quarantined/normal/revoked for actions.</summary>
    public required string State { get; init; }

    public required AlertSeverity Severity { get; init; }

    /// <summary>One line for people (escaped wherever it is shown).</summary>
    public required string Summary { get; init; }

    /// <summary>Optional evidence line (a finding's observed and expected values).</summary>
    public string? Evidence { get; init; }

    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>A finding of rule <paramref name="rule"/> opened (<paramref name="open"/>) or cleared on a device.</summary>
    public static AlertEvent ForFinding(string customerId, string deviceId, string rule, bool open, AlertSeverity severity, string summary, string? evidence, DateTimeOffset at) => new()
    {
        CustomerId = customerId, DeviceId = deviceId, Kind = rule, Subject = rule, State = open ? "opened" : "cleared",
        Severity = severity, Summary = summary, Evidence = evidence, OccurredAt = at,
    };

    /// <summary>
    /// An alert about the customer's fleet rather than one device (the console's halted rollout or failure burst):
    /// de-duplicated on <paramref name="subject"/> (e.g. <c>rollout-17</c>) and <paramref name="state"/>.
    /// </summary>
    public static AlertEvent ForFleet(string customerId, string kind, string subject, string state, AlertSeverity severity, string summary, string? evidence, DateTimeOffset at) => new()
    {
        CustomerId = customerId, DeviceId = null, Kind = kind, Subject = subject, State = state, Severity = severity, Summary = summary, Evidence = evidence, OccurredAt = at,
    };

    /// <summary>A response action that was done (<paramref name="record"/> is its audit record).</summary>
    public static AlertEvent ForAction(string customerId, ActionRecord record) => new()
    {
        CustomerId = customerId,
        DeviceId = record.DeviceId,
        Kind = FileActionAudit.Name(record.Kind),
        Subject = "response",
        State = record.Kind switch
        {
            ActionKind.Throttle => "throttled",
            ActionKind.Quarantine => "quarantined",
            ActionKind.Lift => "normal",
            _ => "revoked",
        },
        Severity = record.Kind == ActionKind.Revoke ? AlertSeverity.Critical : record.Kind == ActionKind.Lift ? AlertSeverity.Info : AlertSeverity.Warning,
        Summary = record.Kind switch
        {
            ActionKind.Throttle => "Device " + record.DeviceId + " was throttled: " + record.Reason,
            ActionKind.Quarantine => "Device " + record.DeviceId + " was quarantined at the broker: " + record.Reason,
            ActionKind.Lift => "Device " + record.DeviceId + " is back to normal: " + record.Reason,
            _ => "Device " + record.DeviceId + "'s certificate was revoked: " + record.Reason,
        },
        Evidence = record.Detail,
        OccurredAt = record.Time,
    };
}

/// <summary>What <see cref="IAlertSink.Notify"/> did with an alert.</summary>
public enum NotifyStatus
{
    /// <summary>Queued for each of the customer's channels.</summary>
    Queued,

    /// <summary>Not a change: the last state sent for this device and subject is the same.</summary>
    Duplicate,

    /// <summary>Over the customer's rate: counted into the summary alert sent at the end of the window.</summary>
    Summarized,

    /// <summary>The delivery queue is full: nothing was queued (the state is not remembered, so a later notify retries).</summary>
    QueueFull,

    /// <summary>No contacts for the customer.</summary>
    UnknownCustomer,

    /// <summary>The customer has contacts but neither a webhook nor an e-mail address.</summary>
    NoChannel,

    /// <summary>A field is missing or malformed (ids, kind, state).</summary>
    Invalid,

    /// <summary>The store could not record it: nothing was queued, so a later notify tries again.</summary>
    StoreUnavailable,
}

/// <summary>Where alerts go (<see cref="AlertDispatcher"/>); the fleet service's response dispatcher calls it.</summary>
public interface IAlertSink
{
    /// <summary>Takes a state change; never blocks on delivery (that is asynchronous).</summary>
    NotifyStatus Notify(AlertEvent alert);
}
