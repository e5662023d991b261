using System.Collections.Generic;
using System.Globalization;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// Turns verdicts into findings on state changes only: a rule opens after <c>confirm</c> anomalous verdicts in a row,
/// re-emits when its severity rises, and clears after <c>clear</c> normal ones in a row. Between changes nothing is
/// emitted, so alerts downstream fire once per episode.
/// </summary>
internal static class FindingTracker
{
    public static void Apply(DeviceState device, DetectionRule rule, in Verdict verdict, int now, int confirm, int clear, List<Finding> output)
    {
        ref RuleTrack track = ref device.Track(rule);
        if (verdict.Anomalous)
        {
            track.Quiet = 0;
            track.LastSeen = now;
            if (track.Hits == 0 && !track.Open)
            {
                track.FirstSeen = now;
            }

            track.Hits = track.Hits == byte.MaxValue ? track.Hits : (byte)(track.Hits + 1);
            if (!track.Open && track.Hits >= confirm)
            {
                track.Open = true;
                track.Severity = verdict.Severity;
                output.Add(Make(device, rule, track, verdict, verdict.Evidence ?? RuleCatalog.Code(rule), FindingState.Open));
            }
            else if (track.Open && verdict.Severity > track.Severity)
            {
                track.Severity = verdict.Severity;
                output.Add(Make(device, rule, track, verdict, verdict.Evidence ?? RuleCatalog.Code(rule), FindingState.Open));
            }

            return;
        }

        track.Hits = 0;
        if (!track.Open)
        {
            return;
        }

        track.Quiet = track.Quiet == byte.MaxValue ? track.Quiet : (byte)(track.Quiet + 1);
        if (track.Quiet >= clear)
        {
            track.Open = false;
            track.Quiet = 0;
            string evidence = string.Create(CultureInfo.InvariantCulture,
                $"back to normal: {verdict.Value:0.##} {RuleCatalog.Unit(rule)} against {verdict.Baseline:0.##}");
            output.Add(Make(device, rule, track, verdict, evidence, FindingState.Cleared));
        }
    }

    /// <summary>Clears an open finding at once (the condition is gone for good: the device was re-registered, re-versioned).</summary>
    public static void Clear(DeviceState device, DetectionRule rule, string evidence, List<Finding> output)
    {
        ref RuleTrack track = ref device.Track(rule);
        track.Hits = 0;
        if (track.Open)
        {
            track.Open = false;
            track.Quiet = 0;
            output.Add(Make(device, rule, track, Verdict.Normal(0, 0), evidence, FindingState.Cleared));
        }
    }

    private static Finding Make(DeviceState device, DetectionRule rule, in RuleTrack track, in Verdict verdict, string evidence, FindingState state) =>
        new(device.Id, rule, track.Severity, RuleCatalog.TrustsDevice(rule), verdict.Value, verdict.Baseline, evidence,
            Stamp.ToTime(track.FirstSeen == 0 ? track.LastSeen : track.FirstSeen), Stamp.ToTime(track.LastSeen), state);
}
