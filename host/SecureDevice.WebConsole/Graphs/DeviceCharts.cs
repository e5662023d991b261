using System.Collections.Generic;
using System.Linq;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Graphs;

/// <summary>The device page's charts from its stored reports; anomaly onsets (findings) are marked on each.</summary>
public static class DeviceCharts
{
    public static IReadOnlyList<string> Build(IReadOnlyList<HealthRecord> health, IReadOnlyList<FindingRecord> findings, long fromMs, long toMs)
    {
        var marks = findings.Select(f => (f.FirstSeenMs, "anomaly: " + f.Rule)).ToList();
        var reboots = new List<(long, double)>();
        for (int i = 1; i < health.Count; i++)
        {
            if (health[i].Boot != health[i - 1].Boot)
            {
                reboots.Add((health[i].ReceivedMs, 1));
            }
        }

        var rebootMarks = marks.Concat(reboots.Select(r => (r.Item1, "reboot"))).ToList();
        return new[]
        {
            SvgChart.Render("Supply", "mV", fromMs, toMs, new[] { Series("supply", health.Where(h => h.SupplyMv != null).Select(h => (h.ReceivedMs, (double)h.SupplyMv!.Value))) }, marks),
            SvgChart.Render("Bandwidth per report", "bytes", fromMs, toMs, new[]
            {
                Series("up", health.Select(h => (h.ReceivedMs, (double)h.BytesUp))),
                Series("down", health.Select(h => (h.ReceivedMs, (double)h.BytesDown))),
            }, marks),
            SvgChart.Render("Free heap", "KiB", fromMs, toMs, new[]
            {
                Series("native heap", health.Where(h => h.HeapFreeKiB != null).Select(h => (h.ReceivedMs, (double)h.HeapFreeKiB!.Value))),
                Series("managed heap", health.Where(h => h.ManagedFreeKiB != null).Select(h => (h.ReceivedMs, (double)h.ManagedFreeKiB!.Value))),
            }, marks),
            SvgChart.Render("Reconnect attempts", "count", fromMs, toMs, new[] { Series("attempts", health.Select(h => (h.ReceivedMs, (double)h.Attempts))) }, marks),
            SvgChart.Render("Reboots (marked) and boot number", "boot", fromMs, toMs, new[] { Series("boot", health.Select(h => (h.ReceivedMs, (double)h.Boot))) }, rebootMarks),
        };
    }

    private static ChartSeries Series(string label, IEnumerable<(long, double)> points) => new(label, points.ToList());
}
