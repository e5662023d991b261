using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Service.Storage;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// Whether the reports the service stored for the demo's miner are what a running core sends, not reports made by hand:
/// one boot, sequences 0..n-1 in order, the uptime advancing at the device clock's scale against the service's own
/// receive times, the interval's random ±10 % jitter between reports, and readings the core measured (the load its idle
/// probe computed, the current and the bytes it counted) that vary at idle and rise after the onset.
/// </summary>
internal static class MinerReports
{
    /// <summary>
    /// True when <paramref name="stored"/> has that shape; <paramref name="onset"/> is how many reports were stored when
    /// the device turned miner. <paramref name="shape"/> says what the reports look like (or what is missing).
    /// </summary>
    public static bool FromCore(IReadOnlyList<HealthRecord> stored, int onset, int scale, out string shape)
    {
        List<HealthRecord> reports = stored.OrderBy(r => r.Seq).ToList();
        var decoded = new List<DecodedHealthReport>();
        foreach (HealthRecord record in reports)
        {
            if (HealthDecoder.TryDecode(record.Payload, out DecodedHealthReport? report, out _) == HealthDecodeStatus.Decoded && report != null)
            {
                decoded.Add(report);
            }
        }

        if (reports.Count < onset + 2 || onset < 3 || decoded.Count != reports.Count)
        {
            shape = reports.Count + " reports stored (" + decoded.Count + " decoded), " + onset + " before the onset";
            return false;
        }

        HealthRecord first = reports[0];
        HealthRecord last = reports[^1];
        bool oneBoot = reports.All(r => r.Boot == first.Boot);
        bool consecutive = reports.Select((r, i) => r.Seq == i).All(x => x);
        double wallSeconds = Math.Max(0.001, (last.ReceivedMs - first.ReceivedMs) / 1000.0);
        double speed = (last.UptimeS - first.UptimeS) / wallSeconds;
        bool scaled = speed >= scale / 2.0 && speed <= scale * 2.0;
        int jitter = reports.Zip(reports.Skip(1), (a, b) => b.UptimeS - a.UptimeS).Distinct().Count();

        // Idle: the reports after the boot report and before the onset; the boot report's load covers no time yet.
        List<DecodedHealthReport> idle = decoded.Skip(1).Take(onset - 1).ToList();
        // After the onset: the highest reading of the reports since (a report whose probe window was cut short, as the
        // last one before the device stops may be, carries no load at all).
        List<DecodedHealthReport> mining = decoded.Skip(onset).ToList();
        long[] idleLoad = idle.Select(r => r.Field("power", "loadPct") ?? -1).ToArray();
        long[] idleCurrent = idle.Select(r => r.Field("power", "supplyMa") ?? -1).ToArray();
        long[] idleBytes = idle.Select(r => r.Field("traffic", "bytesUpSinceLast") ?? -1).ToArray();
        long load = mining.Max(r => r.Field("power", "loadPct") ?? -1);
        long current = mining.Max(r => r.Field("power", "supplyMa") ?? -1);
        long bytes = mining.Max(r => r.Field("traffic", "bytesUpSinceLast") ?? -1);
        bool measured = idleLoad.All(l => l is >= 0 and <= 20) && idleCurrent.All(c => c > 0) && idleCurrent.Distinct().Count() > 1
            && load >= 80 && current >= idleCurrent.Max() + 15 && bytes > 10 * idleBytes.Max() && bytes >= 10_000;
        shape = string.Create(CultureInfo.InvariantCulture,
            $"{reports.Count} reports of boot {first.Boot}, sequences {first.Seq}..{last.Seq}; uptime {first.UptimeS}..{last.UptimeS} s in {wallSeconds:0.0} s of wall time ({speed:0}x), {jitter} different intervals; ")
            + string.Create(CultureInfo.InvariantCulture,
            $"idle load {idleLoad.Min()}-{idleLoad.Max()} %, current {idleCurrent.Min()}-{idleCurrent.Max()} mA, bytes up per report {idleBytes.Min()}-{idleBytes.Max()}; since the onset at most load {load} %, current {current} mA, bytes up {bytes}");
        return oneBoot && consecutive && scaled && jitter > 1 && measured;
    }
}
