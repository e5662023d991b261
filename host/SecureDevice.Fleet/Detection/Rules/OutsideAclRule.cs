using System.Globalization;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>outside-acl</c>: publishes the broker's access control refused (counted by the broker's refusal counter,
/// docs/broker.md "Refusal counter"). Our firmware publishes only under its own <c>devices/ID/up/</c> topics, which its
/// role grants, so any refused publish means the device runs other code (hijacked, a bot probing other devices' topics)
/// or was provisioned with an id that is not its certificate's. The broker counted it: no trust in the device.
/// Stateless per window: no bucket, because even one refused publish is something our firmware cannot do; the finding's
/// quiet windows (<see cref="ClearAfterWindows"/>) are its hysteresis.
/// </summary>
internal static class OutsideAclRule
{
    /// <summary>Refused publishes in one window from which the finding is critical: more than a mis-provisioned device sends.</summary>
    public const int CriticalPerWindow = 10;

    /// <summary>Windows without a refusal before the finding clears (an hour of 5-minute windows): a bot that pauses does not flap its owner's alerts.</summary>
    public const int ClearAfterWindows = 12;

    public static Verdict Evaluate(in TrafficWindow window, double seconds)
    {
        double rate = window.Refused * 3600 / seconds;
        if (window.Refused <= 0)
        {
            return Verdict.Normal(rate, 0);
        }

        // A mis-provisioned device (its configured id is not its certificate's) has every publish refused at its normal
        // pace: about 3 per 5-minute window. Ten or more in one window is more than our firmware sends at all.
        FindingSeverity severity = window.Refused >= CriticalPerWindow ? FindingSeverity.Critical : FindingSeverity.Warning;
        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"{window.Refused} publishes in {seconds / 60:0.#} min refused by the broker's access control ({rate:0}/h); our firmware publishes only to its own topics");
        return new Verdict(true, severity, rate, 0, evidence);
    }
}
