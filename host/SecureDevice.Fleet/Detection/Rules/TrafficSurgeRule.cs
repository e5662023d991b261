using System.Globalization;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>traffic-surge</c> (trust-free): bytes up or down seen at the broker elevated against the device's own baseline and
/// its cohort (<see cref="Elevation"/>): at least doubled, 8 KiB/h more and 6 robust standard deviations up.
/// </summary>
internal static class TrafficSurgeRule
{
    public static Verdict Evaluate(DeviceState device, double upPerHour, double downPerHour, DetectionOptions options, out bool upElevated, out bool downElevated)
    {
        upElevated = Elevation.IsElevated(device, Metric.BrokerUp, upPerHour, options, out double upExpected);
        downElevated = Elevation.IsElevated(device, Metric.BrokerDown, downPerHour, options, out double downExpected);
        bool upLeads = upElevated || !downElevated;
        double value = upLeads ? upPerHour : downPerHour;
        double baseline = upLeads ? upExpected : downExpected;
        if (!upElevated && !downElevated)
        {
            return Verdict.Normal(value, baseline);
        }

        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"at the broker: up {upPerHour:0} B/h (expected {upExpected:0}){(upElevated ? " up" : string.Empty)}, down {downPerHour:0} B/h (expected {downExpected:0}){(downElevated ? " up" : string.Empty)}");
        return new Verdict(true, FindingSeverity.Warning, value, baseline, evidence);
    }
}
