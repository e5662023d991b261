using System;
using System.Diagnostics;
using SecureDevice.Lab.Ingest;
using Xunit;

namespace SecureDevice.Service.Tests.Lab;

public sealed class IngestBenchmarkTests
{
    private static readonly long Ms = Stopwatch.Frequency / 1000;

    [Fact]
    public void Latencies_KthPublishMatchedWithFirstPollSeeingKCommits_Sorted()
    {
        // Published at 20, 0, 10 ms (out of order, as concurrent publishers record them); polls saw 1 commit at 15 ms, 3 at 40 ms.
        double[] latencies = IngestBenchmark.Latencies(new[] { 20 * Ms, 0, 10 * Ms }, new[] { (5 * Ms, 0L), (15 * Ms, 1L), (40 * Ms, 3L) });
        Assert.Equal(new[] { 15.0, 20.0, 30.0 }, latencies);
    }

    [Fact]
    public void Latencies_AReportNeverSeenCommitted_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => IngestBenchmark.Latencies(new[] { 0L, Ms }, new[] { (10 * Ms, 1L) }));
    }

    [Theory]
    [InlineData(0.50, 50)]
    [InlineData(0.99, 99)]
    [InlineData(1.00, 100)]
    [InlineData(0.001, 1)]
    public void Percentile_NearestRank(double p, double expected)
    {
        double[] sorted = new double[100];
        for (int i = 0; i < sorted.Length; i++)
        {
            sorted[i] = i + 1;
        }

        Assert.Equal(expected, IngestBenchmark.Percentile(sorted, p));
    }

    [Fact]
    public void MetricValue_ReadsTheExactSeries_NotAPrefixOfAnother()
    {
        const string Text = "# TYPE securedevice_ingest_stored_total counter\n"
            + "securedevice_ingest_stored_total{kind=\"healthy\"} 9\n"
            + "securedevice_ingest_stored_total{kind=\"health\"} 1.5e+06\n"
            + "securedevice_ingest_stored_total{kind=\"event\"} 3\n";
        Assert.Equal(1_500_000, IngestBenchmark.MetricValue(Text, "securedevice_ingest_stored_total{kind=\"health\"}"));
        Assert.Equal(0, IngestBenchmark.MetricValue(Text, "securedevice_ingest_stored_total{kind=\"presence\"}"));
    }
}
