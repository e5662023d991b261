using System;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

public sealed class RobustStatisticsTests
{
    [Fact]
    public void Median_KnownAnswers()
    {
        Assert.Equal(3, RobustStatistics.Median(new float[] { 5, 1, 3 }));
        Assert.Equal(2.5, RobustStatistics.Median(new float[] { 4, 1, 3, 2 }));
        Assert.Equal(7, RobustStatistics.Median(new float[] { 7 }));
        Assert.Throws<ArgumentException>(() => RobustStatistics.Median(Span<float>.Empty));
    }

    [Fact]
    public void Mad_KnownAnswer_AndIgnoresAWildMinority()
    {
        float[] values = { 10, 11, 9, 10, 12, 8, 10, 1000, -500 };
        double median = RobustStatistics.Median((float[])values.Clone());
        Assert.Equal(10, median);
        Assert.Equal(1, RobustStatistics.Mad(values, median));
    }

    [Fact]
    public void TheilSen_KnownSlope_DespiteOutliers()
    {
        float[] points = { 100, 97, 94, 91, 30, 85, 82, 79 };
        Assert.Equal(-3, RobustStatistics.TheilSenSlope(points), 6);
        Assert.True(double.IsNaN(RobustStatistics.TheilSenSlope(new float[] { 1 })));
        Assert.Throws<ArgumentException>(() => RobustStatistics.TheilSenSlope(new float[RobustStatistics.MaxSlopePoints + 1]));
    }

    [Property(MaxTest = 300)]
    public bool Median_EqualsTheSortedMiddle(NonEmptyArray<NormalFloat> input)
    {
        float[] values = input.Get.Select(v => (float)v.Get).ToArray();
        float[] sorted = values.OrderBy(v => v).ToArray();
        int n = sorted.Length;
        double expected = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + (double)sorted[n / 2]) / 2;
        double actual = RobustStatistics.Median(values);
        return Math.Abs(actual - expected) <= 1e-6 * Math.Max(1, Math.Abs(expected));
    }

    [Property(MaxTest = 300)]
    public bool TheilSen_RecoversALineWithOneOutlier(int interceptSeed, int slopeSeed, PositiveInt where, int outlier)
    {
        double intercept = interceptSeed % 1000;
        double slope = (slopeSeed % 200) / 10.0;
        float[] points = Enumerable.Range(0, 8).Select(i => (float)(intercept + (slope * i))).ToArray();
        points[where.Get % points.Length] = outlier % 100000;
        return Math.Abs(RobustStatistics.TheilSenSlope(points) - slope) < 1e-3;
    }

    [Fact]
    public void RobustBaseline_OneWildSampleMovesItByAtMostAlphaTimesThreeSigma()
    {
        var baseline = default(RobustBaseline);
        var random = new Random(1);
        for (int i = 0; i < 200; i++)
        {
            baseline.Add(50 + (random.NextDouble() * 4) - 2, 1.0 / 48, 12, 1);
        }

        double before = baseline.Mean;
        double sigma = Math.Max(baseline.Sigma, 1);
        baseline.Add(1e6, 1.0 / 48, 12, 1);
        Assert.InRange(baseline.Mean - before, 0, (3 * sigma / 48) + 1e-3);
        Assert.InRange(before, 49, 51);
    }
}
