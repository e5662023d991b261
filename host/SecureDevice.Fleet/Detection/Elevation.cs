using System;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// Whether a metric's value is elevated for a device (docs/detection.md, "Statistics"): against its own baseline when
/// warm AND against its cohort when the cohort is ready; at least one of the two must be available, so a new device is
/// judged by its cohort alone and a device of a new version by its own history alone. Each comparison needs a rise of
/// at least <see cref="DetectionOptions.ZThreshold"/> robust standard deviations, the metric's least meaningful rise,
/// and (for byte rates) a doubling.
/// </summary>
internal static class Elevation
{
    /// <summary>Smallest σ per metric (its resolution): load 2 %, current 2 mA, byte rates 256 B/h.</summary>
    private static readonly double[] Floors = { 2, 2, 256, 256, 256, 256 };

    /// <summary>The least rise of <paramref name="metric"/> that counts.</summary>
    public static double MinimumRise(Metric metric, DetectionOptions options) => metric switch
    {
        Metric.Load => options.LoadRise,
        Metric.Current => options.CurrentRise,
        _ => options.BytesRise,
    };

    /// <summary>The σ floor of <paramref name="metric"/>.</summary>
    public static double Floor(Metric metric) => Floors[(int)metric];

    /// <summary>
    /// True when <paramref name="value"/> is elevated; <paramref name="expected"/> is what it was compared with (the
    /// device's baseline mean, else its cohort's median).
    /// </summary>
    public static bool IsElevated(DeviceState device, Metric metric, double value, DetectionOptions options, out double expected)
    {
        ref RobustBaseline own = ref device.Baseline(metric);
        bool ownWarm = own.IsWarm(options.WarmupSamples);
        CohortState? cohort = device.Cohort;
        bool cohortReady = cohort != null && cohort.Ready(metric, options.MinimumCohort);
        expected = ownWarm ? own.Mean : cohortReady ? cohort!.Median[(int)metric] : value;
        if (!ownWarm && !cohortReady)
        {
            return false;
        }

        double floor = Floor(metric);
        double minimum = MinimumRise(metric, options);
        double relative = metric >= Metric.DeviceUp ? options.RelativeRise : 0;
        if (ownWarm && !Above(value, own.Mean, own.Sigma, floor, minimum, relative, options.ZThreshold))
        {
            return false;
        }

        return !cohortReady || Above(value, cohort!.Median[(int)metric], cohort.Sigma[(int)metric], floor, minimum, relative, options.ZThreshold);
    }

    private static bool Above(double value, double center, double sigma, double floor, double minimum, double relative, double z)
    {
        double baseline = Math.Max(center, 0);
        double needed = Math.Max(z * Math.Max(sigma, floor), Math.Max(minimum, relative * baseline));
        return value - baseline >= needed;
    }
}
