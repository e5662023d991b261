using System;

namespace SecureDevice.Fleet.Detection;

/// <summary>How serious a finding is.</summary>
public enum FindingSeverity
{
    /// <summary>Worth knowing; no action expected.</summary>
    Info = 0,

    /// <summary>Someone should look; the device may be failing or drifting.</summary>
    Warning = 1,

    /// <summary>Act now: the device floods, loops, is likely compromised or was offered a malicious bundle.</summary>
    Critical = 2,
}

/// <summary>Whether the condition holds.</summary>
public enum FindingState
{
    /// <summary>The condition holds (raised, or raised again with a higher severity).</summary>
    Open = 0,

    /// <summary>The condition no longer holds.</summary>
    Cleared = 1,
}

/// <summary>
/// One rule's verdict on one device, emitted by <see cref="DetectionEngine"/> only when it changes: when it opens, when
/// its severity rises, when it clears. The fields are the shared model of issue 13's plan (docs/detection.md).
/// </summary>
/// <param name="DeviceId">The device (as given to the engine).</param>
/// <param name="Rule">Which rule; <see cref="Code"/> is its stable kebab-case name.</param>
/// <param name="Severity">Info, warning or critical.</param>
/// <param name="TrustsDevice">True when the evidence includes values the device reported (a taken-over device can lie).</param>
/// <param name="Value">The observed value, in the rule's unit (<see cref="RuleCatalog.Unit"/>).</param>
/// <param name="Baseline">The expected value or the limit it was compared with, same unit.</param>
/// <param name="Evidence">One line of printable ASCII built from numbers and fixed text only (no device-supplied text).</param>
/// <param name="FirstSeen">When the condition was first observed in this episode (UTC).</param>
/// <param name="LastSeen">When it was last observed (UTC); for a cleared finding, when it was last observed to hold.</param>
/// <param name="State">Open or cleared.</param>
public sealed record Finding(
    string DeviceId,
    DetectionRule Rule,
    FindingSeverity Severity,
    bool TrustsDevice,
    double Value,
    double Baseline,
    string Evidence,
    DateTime FirstSeen,
    DateTime LastSeen,
    FindingState State)
{
    /// <summary>The rule's stable code, e.g. <c>coin-miner</c>.</summary>
    public string Code => RuleCatalog.Code(Rule);

    public override string ToString() =>
        DeviceId + " " + Code + " " + State.ToString().ToLowerInvariant() + " " + Severity.ToString().ToLowerInvariant() + ": " + Evidence;
}
