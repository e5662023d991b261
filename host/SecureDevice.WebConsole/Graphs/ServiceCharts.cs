using System.Collections.Generic;
using System.Linq;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Graphs;

/// <summary>
/// The service's own daily graphs from <c>service_daily</c> (one row per UTC day and instance): storage (database size,
/// raw report rows), bandwidth (bytes and messages in), compute (CPU time, peak memory). Instances share one database,
/// so per day the database figures are the largest any instance saw, traffic and CPU are summed, peak memory is the
/// largest instance's.
/// </summary>
public static class ServiceCharts
{
    public static IReadOnlyList<string> Build(IReadOnlyList<DailySummary> rows, long fromMs, long toMs)
    {
        var days = rows.GroupBy(r => r.DayMs).OrderBy(g => g.Key).Select(g => new
        {
            At = g.Key,
            DatabaseMiB = g.Max(r => r.DatabaseBytes) / 1048576.0,
            RawRows = (double)g.Max(r => r.RawRows),
            InMiB = g.Sum(r => r.BytesIn) / 1048576.0,
            Messages = (double)g.Sum(r => r.Messages),
            Rejected = (double)g.Sum(r => r.Rejected),
            CpuSeconds = g.Sum(r => r.CpuMs) / 1000.0,
            PeakRssMiB = g.Max(r => r.PeakRssBytes) / 1048576.0,
        }).ToList();
        var none = System.Array.Empty<(long, string)>();
        return new[]
        {
            SvgChart.Render("Storage: database size", "MiB", fromMs, toMs, new[] { new ChartSeries("database", days.Select(d => (d.At, d.DatabaseMiB)).ToList()) }, none),
            SvgChart.Render("Storage: raw health reports kept", "rows", fromMs, toMs, new[] { new ChartSeries("raw rows", days.Select(d => (d.At, d.RawRows)).ToList()) }, none),
            SvgChart.Render("Bandwidth in per day", "MiB", fromMs, toMs, new[] { new ChartSeries("bytes in", days.Select(d => (d.At, d.InMiB)).ToList()) }, none),
            SvgChart.Render("Messages per day", "count", fromMs, toMs, new[]
            {
                new ChartSeries("received", days.Select(d => (d.At, d.Messages)).ToList()),
                new ChartSeries("rejected", days.Select(d => (d.At, d.Rejected)).ToList()),
            }, none),
            SvgChart.Render("Compute: CPU time per day", "s", fromMs, toMs, new[] { new ChartSeries("cpu", days.Select(d => (d.At, d.CpuSeconds)).ToList()) }, none),
            SvgChart.Render("Compute: peak memory", "MiB", fromMs, toMs, new[] { new ChartSeries("peak RSS", days.Select(d => (d.At, d.PeakRssMiB)).ToList()) }, none),
        };
    }
}
