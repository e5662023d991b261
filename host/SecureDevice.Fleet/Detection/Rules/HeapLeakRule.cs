using System;
using System.Globalization;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>heap-leak</c> (trusts the device): the Theil–Sen slope of the hourly free-heap maxima within one boot, native or
/// managed, falls faster than <see cref="DetectionOptions.LeakSlopeKiBPerHour"/>, by at least
/// <see cref="DetectionOptions.LeakDeclineKiB"/> across the checkpoints, and projects exhaustion within
/// <see cref="DetectionOptions.LeakHorizonHours"/> (critical within 12 hours). Needs
/// <see cref="DetectionOptions.LeakCheckpoints"/> hours of the current boot.
/// </summary>
internal static class HeapLeakRule
{
    public static Verdict Evaluate(DeviceState device, DetectionOptions options)
    {
        Verdict native = Judge(device.NativeHeap, "native", options);
        Verdict managed = Judge(device.ManagedHeap, "managed", options);
        if (native.Anomalous && (!managed.Anomalous || native.Severity >= managed.Severity))
        {
            return native;
        }

        return managed.Anomalous ? managed : native;
    }

    private static Verdict Judge(in HeapTrend trend, string heap, DetectionOptions options)
    {
        if (trend.Count < options.LeakCheckpoints)
        {
            return Verdict.Normal(0, -options.LeakSlopeKiBPerHour);
        }

        double slope = trend.Slope();
        double free = trend.Latest;
        double hoursLeft = slope < 0 ? free / -slope : double.PositiveInfinity;
        // The decline across the checkpoints must also be large in absolute terms: the hourly best of a noisy reading
        // wanders by a KiB or two, and over a few hours chance alone makes a slope.
        double decline = -slope * (trend.Count - 1);
        if (slope > -options.LeakSlopeKiBPerHour || decline < options.LeakDeclineKiB || hoursLeft > options.LeakHorizonHours)
        {
            return Verdict.Normal(slope, -options.LeakSlopeKiBPerHour);
        }

        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"{heap} heap: hourly best free falls {-slope:0.0} KiB/h over {trend.Count} h of this boot, {free:0} KiB left, exhausted in about {Math.Floor(hoursLeft):0} h");
        return new Verdict(true, hoursLeft <= 12 ? FindingSeverity.Critical : FindingSeverity.Warning, slope, -options.LeakSlopeKiBPerHour, evidence);
    }
}
