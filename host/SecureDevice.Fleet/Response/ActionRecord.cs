using System;

namespace SecureDevice.Fleet.Response;

/// <summary>
/// One audit record: who (<see cref="Actor"/>: an operator's name or "service"), what (<see cref="Kind"/>, <see cref="Reason"/>),
/// which device, when (UTC), from where (<see cref="Origin"/>: an address or a host), and the outcome. Append-only: an
/// action has a <see cref="ActionOutcome.Started"/> record and then one with its end, both with the same <see cref="ActionId"/>.
/// </summary>
public sealed record ActionRecord
{
    /// <summary>Position in the audit, from 1; 0 for a record that could not be written.</summary>
    public long Sequence { get; init; }

    /// <summary>Identifies the action (shared by its two records): 24 hex digits.</summary>
    public required string ActionId { get; init; }

    public required DateTimeOffset Time { get; init; }

    public required string DeviceId { get; init; }

    public required ActionKind Kind { get; init; }

    public required string Actor { get; init; }

    public required string Origin { get; init; }

    public required string Reason { get; init; }

    public required ActionOutcome Outcome { get; init; }

    public required ActionStatus Status { get; init; }

    /// <summary>One line: what was done or what failed (never a secret).</summary>
    public required string Detail { get; init; }
}

/// <summary>What <see cref="ResponseActions"/> returns: the action's end and its audit record.</summary>
public sealed record ActionResult(ActionOutcome Outcome, ActionStatus Status, ActionRecord Record)
{
    public bool Succeeded => Outcome == ActionOutcome.Done;
}
