using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using SecureDevice.Fleet.Detection;

namespace SecureDevice.Lab.Simulation;

/// <summary>The fleet and the anomalies of one <see cref="AnomalySimulation"/> run.</summary>
/// <param name="Devices">Fleet size.</param>
/// <param name="Days">Simulated days.</param>
/// <param name="Miners">Devices that turn coin miner.</param>
/// <param name="Glitches">Devices that flood, reconnect-storm or send garbage.</param>
/// <param name="Loops">Devices that enter a reboot loop.</param>
/// <param name="Silent">Devices that go silent.</param>
/// <param name="Seed">Random seed: same seed, same run.</param>
public sealed record AnomalyOptions(int Devices = 1000, int Days = 7, int Miners = 10, int Glitches = 10, int Loops = 5, int Silent = 5, ulong Seed = 1)
{
    /// <summary>Largest fleet simulated (a run costs about 10 µs per report: 20,000 devices over 7 days is about 40 M reports).</summary>
    public const int MaxDevices = 20_000;

    /// <summary>Longest run, days.</summary>
    public const int MaxDays = 60;

    /// <summary>Onsets fall after this (the fleet's baselines warm up first), seconds.</summary>
    public const double EarliestOnsetSeconds = 6 * 3600;

    /// <summary>Onsets fall at least this long before the end (time to be seen), seconds.</summary>
    public const double LatestOnsetBeforeEndSeconds = 3 * 3600;
}

/// <summary>How one anomalous device was detected.</summary>
/// <param name="Id">The device.</param>
/// <param name="Kind">What it turned into.</param>
/// <param name="Detail">Glitch mode, quiet miner, no current monitor.</param>
/// <param name="OnsetSeconds">When, simulated seconds.</param>
/// <param name="FirstRule">The rule that flagged it first, or null when none did.</param>
/// <param name="DetectReports">Report intervals from onset to the first finding (rounded up, at least 1), or -1.</param>
public sealed record AnomalyOutcome(string Id, AnomalyKind Kind, string Detail, double OnsetSeconds, string? FirstRule, int DetectReports);

/// <summary>Per rule: findings opened on anomalous devices after their onset, and false ones.</summary>
public sealed record RuleFigures(string Rule, bool TrustsDevice, int TruePositives, int FalseAlarms);

/// <summary>A finding on a healthy device, or on an anomalous one before its onset.</summary>
/// <param name="Id">The device.</param>
/// <param name="Kind">What the device is (it may turn anomalous later).</param>
/// <param name="Hours">When, simulated hours.</param>
/// <param name="Finding">The finding.</param>
public sealed record FalseAlarm(string Id, AnomalyKind Kind, double Hours, Finding Finding);

/// <summary>The outcome of a run.</summary>
public sealed record AnomalyResult(
    AnomalyOptions Options,
    IReadOnlyList<AnomalyOutcome> Anomalies,
    IReadOnlyList<RuleFigures> Rules,
    int FalseAlarmDevices,
    int FalseAlarmFindings,
    IReadOnlyList<FalseAlarm> FalseAlarmList,
    long Reports,
    long Windows,
    double Seconds,
    long StateBytesPerDevice)
{
    /// <summary>Anomalous devices flagged after their onset.</summary>
    public int Flagged => Anomalies.Count(a => a.FirstRule != null);

    /// <summary>Flagged within three report intervals of onset.</summary>
    public int FlaggedWithinThree => Anomalies.Count(a => a.FirstRule != null && a.DetectReports <= 3);

    /// <summary>Share of anomalous devices flagged.</summary>
    public double Recall => Anomalies.Count == 0 ? 1 : Flagged / (double)Anomalies.Count;

    /// <summary>Median detection delay, report intervals (-1 when nothing was flagged).</summary>
    public double DetectReportsP50 => Percentile(0.5);

    /// <summary>Largest detection delay, report intervals.</summary>
    public int DetectReportsMax => Anomalies.Where(a => a.FirstRule != null).Select(a => a.DetectReports).DefaultIfEmpty(-1).Max();

    public string ResultLine => FormattableString.Invariant(
        $"RESULT recall={Recall:0.000} false_alarms={FalseAlarmDevices} detect_reports_p50={DetectReportsP50:0.#} detect_reports_max={DetectReportsMax} within_3_reports={FlaggedWithinThree}/{Anomalies.Count}");

    private double Percentile(double p)
    {
        int[] delays = Anomalies.Where(a => a.FirstRule != null).Select(a => a.DetectReports).OrderBy(d => d).ToArray();
        if (delays.Length == 0)
        {
            return -1;
        }

        double rank = p * (delays.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = (int)Math.Ceiling(rank);
        return delays[low] + ((delays[high] - delays[low]) * (rank - low));
    }
}

/// <summary>
/// <c>securedevice sim anomalies</c>: a simulated fleet over simulated days, its reports and broker windows fed to the
/// fleet's <see cref="DetectionEngine"/> in process (no broker). Healthy devices have their own levels, daily cycles,
/// RSSI swings, Wi-Fi drops, power cuts and the firmware's own report schedule and message limits
/// (<see cref="AnomalyDevice"/>); a few turn coin miner, glitch, loop or go silent at seeded random onsets. Counts who
/// was flagged, how many report intervals after onset, by which rule, and every finding on a healthy device (or on an
/// anomalous one before its onset) as a false alarm. Deterministic for a seed.
/// </summary>
public static class AnomalySimulation
{
    /// <summary>The simulation's start: 2026-11-23T00:00:00Z.</summary>
    public static readonly DateTime Start = new(2026, 11, 23, 0, 0, 0, DateTimeKind.Utc);

    private const int WindowSeconds = 300;
    private const int IntervalSeconds = 300;

    public static AnomalyResult Run(AnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int anomalous = options.Miners + options.Glitches + options.Loops + options.Silent;
        if (options.Devices < 1 || options.Devices > AnomalyOptions.MaxDevices || options.Days < 1 || options.Days > AnomalyOptions.MaxDays
            || options.Miners < 0 || options.Glitches < 0 || options.Loops < 0 || options.Silent < 0 || anomalous > options.Devices)
        {
            throw new ArgumentException("devices 1.." + AnomalyOptions.MaxDevices + ", days 1.." + AnomalyOptions.MaxDays + ", anomalies at most the devices", nameof(options));
        }

        var clock = Stopwatch.StartNew();
        var random = new SeededRandom(options.Seed);
        double end = options.Days * 86400.0;
        AnomalyDevice[] fleet = CreateFleet(options, random, end);
        var engine = new DetectionEngine();
        long stateBefore = GC.GetTotalMemory(true);
        foreach (AnomalyDevice device in fleet)
        {
            engine.Register(device.Id, device.Registration(Start), Start);
        }

        var flagged = new Dictionary<string, (double At, string Rule)>(StringComparer.Ordinal);
        var byId = fleet.ToDictionary(d => d.Id, StringComparer.Ordinal);
        var truePositives = new int[RuleCatalog.Count];
        var falseAlarms = new int[RuleCatalog.Count];
        var falseDevices = new HashSet<string>(StringComparer.Ordinal);
        var falseList = new List<FalseAlarm>();
        var reports = new List<ReceivedReport>();
        long reportCount = 0;
        long windows = 0;
        long stateBytes = 0;

        void Record(IReadOnlyList<Finding> findings, double at)
        {
            foreach (Finding finding in findings)
            {
                if (finding.State != FindingState.Open)
                {
                    continue;
                }

                AnomalyDevice device = byId[finding.DeviceId];
                if (device.Kind != AnomalyKind.None && at >= device.Onset)
                {
                    truePositives[(int)finding.Rule]++;
                    flagged.TryAdd(device.Id, (at, finding.Code));
                }
                else
                {
                    falseAlarms[(int)finding.Rule]++;
                    falseDevices.Add(device.Id);
                    falseList.Add(new FalseAlarm(device.Id, device.Kind, at / 3600, finding));
                }
            }
        }

        for (double t = 0; t < end; t += 60)
        {
            foreach (AnomalyDevice device in fleet)
            {
                reports.Clear();
                device.Minute(t, reports);
                foreach (ReceivedReport report in reports)
                {
                    reportCount++;
                    Record(engine.OnHealthReport(device.Id, report.Sample, Start.AddSeconds(report.AtSeconds)), report.AtSeconds);
                }
            }

            double next = t + 60;
            if (next % WindowSeconds == 0)
            {
                foreach (AnomalyDevice device in fleet)
                {
                    TrafficCounts w = device.Window;
                    device.Window = default;
                    var window = new TrafficWindow(Start.AddSeconds(next - WindowSeconds), Start.AddSeconds(next), w.MessagesUp, w.BytesUp, w.MessagesDown, w.BytesDown, w.Connects, w.Malformed);
                    windows++;
                    Record(engine.OnTraffic(device.Id, window), next);
                }
            }

            Record(engine.Tick(Start.AddSeconds(next)), next);
            if (stateBytes == 0 && next >= 86400)
            {
                // After a day every device's state is at its full size.
                stateBytes = (GC.GetTotalMemory(true) - stateBefore) / fleet.Length;
            }
        }

        var outcomes = fleet.Where(d => d.Kind != AnomalyKind.None).Select(d =>
        {
            bool hit = flagged.TryGetValue(d.Id, out var f);
            int delay = hit ? Math.Max(1, (int)Math.Ceiling((f.At - d.Onset) / IntervalSeconds)) : -1;
            return new AnomalyOutcome(d.Id, d.Kind, Detail(d), d.Onset, hit ? f.Rule : null, delay);
        }).ToList();
        var rules = Enumerable.Range(0, RuleCatalog.Count)
            .Select(r => new RuleFigures(RuleCatalog.Code((DetectionRule)r), RuleCatalog.TrustsDevice((DetectionRule)r), truePositives[r], falseAlarms[r]))
            .ToList();
        GC.KeepAlive(engine);
        return new AnomalyResult(options, outcomes, rules, falseDevices.Count, falseAlarms.Sum(), falseList, reportCount, windows, clock.Elapsed.TotalSeconds, stateBytes);
    }

    private static string Detail(AnomalyDevice device) => device.Kind switch
    {
        AnomalyKind.CoinMiner => (device.QuietMiner ? "pool traffic elsewhere" : "pool traffic over MQTT") + (device.HasCurrentSensor ? string.Empty : ", no current monitor"),
        AnomalyKind.Glitch => device.Glitch switch
        {
            GlitchMode.ReconnectStorm => "reconnect storm",
            GlitchMode.MessageFlood => "message flood",
            _ => "garbage payloads",
        },
        _ => device.HasCurrentSensor ? string.Empty : "no current monitor",
    };

    private static AnomalyDevice[] CreateFleet(AnomalyOptions options, SeededRandom random, double end)
    {
        // Which devices turn anomalous, and as what: a seeded shuffle of the fleet.
        var kinds = new AnomalyKind[options.Devices];
        int index = 0;
        foreach ((AnomalyKind kind, int count) in new[] { (AnomalyKind.CoinMiner, options.Miners), (AnomalyKind.Glitch, options.Glitches), (AnomalyKind.RebootLoop, options.Loops), (AnomalyKind.Silent, options.Silent) })
        {
            for (int i = 0; i < count; i++)
            {
                kinds[index++] = kind;
            }
        }

        for (int i = kinds.Length - 1; i > 0; i--)
        {
            int j = (int)random.Next(i + 1);
            (kinds[i], kinds[j]) = (kinds[j], kinds[i]);
        }

        var fleet = new AnomalyDevice[options.Devices];
        int glitches = 0;
        for (int i = 0; i < fleet.Length; i++)
        {
            SeededRandom stream = random.Fork(i);
            double onset = kinds[i] == AnomalyKind.None
                ? double.MaxValue
                : stream.Between(AnomalyOptions.EarliestOnsetSeconds, end - AnomalyOptions.LatestOnsetBeforeEndSeconds);
            bool current = stream.Chance(0.8);
            var glitch = (GlitchMode)(kinds[i] == AnomalyKind.Glitch ? glitches++ % 3 : 0);
            bool quiet = stream.Chance(0.3);
            fleet[i] = new AnomalyDevice("sim-" + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), stream, kinds[i], onset, current, glitch, quiet);
        }

        return fleet;
    }
}
