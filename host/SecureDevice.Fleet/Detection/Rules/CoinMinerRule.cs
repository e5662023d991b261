using System;
using System.Globalization;
using System.Text;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// <c>coin-miner</c> (trusts the device: load and current are reported). Over consecutive reports with the compute load
/// or the supply current elevated: with bandwidth up too (reported, or seen at the broker) it is critical from the
/// second; load and current up without more traffic is a warning from the second (a miner whose pool traffic goes
/// elsewhere), and so is the load alone on a board without a current monitor; the load up while a present current
/// monitor shows no rise (contradicting evidence) is a warning from the third. Only within one
/// version: a version change resets the device's baselines, and its new cohort judges it meanwhile.
/// </summary>
internal static class CoinMinerRule
{
    /// <summary>How long an elevated traffic observation supports the verdict, seconds (two report intervals).</summary>
    public const int TrafficMemorySeconds = 660;

    /// <summary>Judges one report; <paramref name="loadElevated"/> and <paramref name="currentElevated"/> tell the engine what not to learn.</summary>
    public static Verdict Evaluate(DeviceState device, HealthSample sample, int now, DetectionOptions options, out bool loadElevated, out bool currentElevated)
    {
        double loadExpected = 0;
        double currentExpected = 0;
        loadElevated = sample.LoadPercent is long load && Elevation.IsElevated(device, Metric.Load, load, options, out loadExpected);
        currentElevated = sample.SupplyMilliamps is long current && Elevation.IsElevated(device, Metric.Current, current, options, out currentExpected);
        bool deviceTraffic = device.DeviceTrafficElevatedAt != 0 && now - device.DeviceTrafficElevatedAt <= TrafficMemorySeconds;
        bool brokerTraffic = device.BrokerElevatedAt != 0 && now - device.BrokerElevatedAt <= TrafficMemorySeconds;
        bool traffic = deviceTraffic || brokerTraffic;
        double value = sample.LoadPercent ?? sample.SupplyMilliamps ?? 0;
        double baseline = sample.LoadPercent.HasValue ? loadExpected : currentExpected;
        int streak = device.MinerStreak = loadElevated || currentElevated ? (byte)Math.Min(device.MinerStreak + 1, byte.MaxValue) : (byte)0;
        int confirm = options.ConfirmSamples;
        FindingSeverity severity;
        if (streak >= confirm && traffic)
        {
            severity = FindingSeverity.Critical;
        }
        else if ((streak >= confirm && loadElevated && (currentElevated || !sample.SupplyMilliamps.HasValue)) || (streak > confirm && loadElevated))
        {
            severity = FindingSeverity.Warning;
        }
        else
        {
            return Verdict.Normal(value, baseline);
        }

        var evidence = new StringBuilder();
        if (sample.LoadPercent is long l)
        {
            evidence.Append(CultureInfo.InvariantCulture, $"load {l} % (expected {loadExpected:0}){(loadElevated ? " up" : string.Empty)}; ");
        }

        if (sample.SupplyMilliamps is long ma)
        {
            evidence.Append(CultureInfo.InvariantCulture, $"current {ma} mA (expected {currentExpected:0}){(currentElevated ? " up" : string.Empty)}; ");
        }
        else
        {
            evidence.Append("no current monitor; ");
        }

        evidence.Append(traffic
            ? (deviceTraffic ? "bandwidth up (reported" + (brokerTraffic ? " and at the broker); " : "); ") : "bandwidth up at the broker; ")
            : "bandwidth normal; ");
        evidence.Append(CultureInfo.InvariantCulture, $"version {sample.Version} unchanged since {Stamp.ToTime(device.VersionSince):yyyy-MM-dd HH:mm}Z");
        return new Verdict(true, severity, value, baseline, evidence.ToString());
    }

    /// <summary>Judges a reported byte rate (bytes per hour) for the traffic part of the verdict.</summary>
    public static bool TrafficElevated(DeviceState device, double upPerHour, double downPerHour, DetectionOptions options, out bool upElevated, out bool downElevated)
    {
        upElevated = Elevation.IsElevated(device, Metric.DeviceUp, upPerHour, options, out _);
        downElevated = Elevation.IsElevated(device, Metric.DeviceDown, downPerHour, options, out _);
        return upElevated || downElevated;
    }
}
