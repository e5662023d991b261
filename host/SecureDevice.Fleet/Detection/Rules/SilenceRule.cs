using System.Globalization;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>silence</c> (trust-free: the service sees what did not arrive): no report for
/// <see cref="DetectionOptions.SilenceIntervals"/> report intervals plus the schedule's 10 % jitter. A device in safe
/// mode reports at most twice an hour and a throttled one as its throttle allows, so for them the interval is an hour.
/// Only devices that reported once are watched.
/// </summary>
internal static class SilenceRule
{
    /// <summary>The interval the device's last report promises, seconds.</summary>
    public static int ExpectedInterval(DeviceState device)
    {
        bool slowed = (device.LastFlags & (HealthFlags.SafeMode | HealthFlags.Throttled)) != 0;
        return slowed ? 3600 : device.ReportIntervalSeconds;
    }

    /// <summary>True when the device is overdue now.</summary>
    public static bool Overdue(DeviceState device, int now, DetectionOptions options)
    {
        int interval = ExpectedInterval(device);
        return device.LastReportAt != 0 && now - device.LastReportAt > options.SilenceIntervals * interval * 1.1;
    }

    public static Verdict Evaluate(DeviceState device, int now, DetectionOptions options)
    {
        int interval = ExpectedInterval(device);
        double silent = device.LastReportAt == 0 ? 0 : now - device.LastReportAt;
        if (!Overdue(device, now, options))
        {
            return Verdict.Normal(silent, interval);
        }

        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"no report for {silent / 60:0} min, {silent / interval:0.#} report intervals of {interval} s; last report at {Stamp.ToTime(device.LastReportAt):yyyy-MM-dd HH:mm:ss}Z");
        return new Verdict(true, FindingSeverity.Warning, silent, interval, evidence);
    }
}
