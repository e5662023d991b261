using System;
using System.Globalization;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>
/// A detection finding that opened or cleared, as the fleet service hands it to <see cref="AlertDispatcher.OnFindingChanged"/>:
/// the shared model's finding fields (issue 13 plan) plus the device's owner, which the service knows from its registry.
/// This layer does not depend on the detection library; the service maps its finding onto this record.
/// </summary>
public sealed record FindingChange
{
    /// <summary>The device's owner (customer id, as in the PKI inventory).</summary>
    public required string CustomerId { get; init; }

    public required string DeviceId { get; init; }

    /// <summary>The rule's stable kebab-case code (coin-miner, reboot-loop, …): the alert's kind and de-duplication subject.</summary>
    public required string Rule { get; init; }

    public required AlertSeverity Severity { get; init; }

    /// <summary>Whether the rule relies on what the device reports (a taken-over device can lie), or only on what the broker and service saw.</summary>
    public required bool TrustsDevice { get; init; }

    /// <summary>The observed value, if the rule has one.</summary>
    public double? Observed { get; init; }

    /// <summary>The baseline or expected value, if the rule has one.</summary>
    public double? Expected { get; init; }

    /// <summary>One line of evidence (untrusted: it may quote device data; escaped wherever it is shown).</summary>
    public required string Evidence { get; init; }

    public required DateTimeOffset FirstSeen { get; init; }

    public required DateTimeOffset LastSeen { get; init; }

    /// <summary>True when the finding is open, false when it cleared.</summary>
    public required bool Open { get; init; }

    /// <summary>The alert for this change: stamped with the finding's first sighting when it opens, its last when it clears.</summary>
    public AlertEvent ToAlert()
    {
        string values = Observed.HasValue || Expected.HasValue
            ? "observed " + Number(Observed) + ", expected " + Number(Expected) + "; "
            : string.Empty;
        string trust = TrustsDevice ? "from the device's own reports" : "seen at the broker and service, no trust in the device";
        return AlertEvent.ForFinding(CustomerId, DeviceId, Rule, Open, Severity,
            "Finding " + Rule + (Open ? " opened" : " cleared") + " on " + DeviceId + ": " + Evidence,
            values + trust, Open ? FirstSeen : LastSeen);
    }

    private static string Number(double? value) => value.HasValue ? value.Value.ToString("G6", CultureInfo.InvariantCulture) : "n/a";
}
