using System;
using System.Globalization;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>version-drift</c> (trusts the device: the version is reported): the device runs another version than its
/// product's target (the operator's, else the version most of the product's devices run) for longer than
/// <see cref="DetectionOptions.DriftGraceHours"/> (a rollout's grace). Critical when its security version is below the
/// target's: it misses a security fix, or was rolled back.
/// </summary>
internal static class VersionDriftRule
{
    public static Verdict Evaluate(DeviceState device, int now, DetectionOptions options)
    {
        CohortState? cohort = device.Cohort;
        FirmwareVersion? target = device.Product.EffectiveTarget(out int targetSince);
        if (cohort == null || target is not FirmwareVersion goal || goal == cohort.Version)
        {
            return Verdict.Normal(cohort?.Version.Security ?? 0, target?.Security ?? 0);
        }

        FirmwareVersion running = cohort.Version;
        int since = Math.Max(device.VersionSince, targetSince);
        if (now - since < options.DriftGraceHours * 3600)
        {
            return Verdict.Normal(running.Security, goal.Security);
        }

        bool behindOnSecurity = running.Security < goal.Security;
        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"runs {running}, the product's target is {goal}{(device.Product.Target.HasValue ? " (set by an operator)" : " (most devices run it)")}, for {(now - since) / 3600.0:0} h{(behindOnSecurity ? "; below the target's security version" : string.Empty)}");
        return new Verdict(true, behindOnSecurity ? FindingSeverity.Critical : FindingSeverity.Warning, running.Security, goal.Security, evidence);
    }
}
