using System;
using System.Linq;
using SecureDevice.Fleet.Response.Alerts;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response.Alerts;

public sealed class RateAndRetryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RateLimiter_BurstOf100_ThreeAlertsAndOneSummaryPerWindow()
    {
        var limiter = new CustomerRateLimiter();
        int passed = Enumerable.Range(0, 100).Count(i => limiter.TryPass("acme", "dev-" + (i % 30), i % 2 == 0 ? "coin-miner" : "throttle", T0.AddSeconds(i)));
        Assert.Equal(3, passed);
        Assert.Empty(limiter.TakeDue(T0.AddMinutes(9)));
        AlertSummary summary = Assert.Single(limiter.TakeDue(T0.AddMinutes(10)));
        Assert.Equal(97, summary.Count);
        Assert.Equal(20, summary.Devices.Count);
        Assert.Equal(97, summary.Kinds.Values.Sum());
        Assert.Empty(limiter.TakeDue(T0.AddMinutes(30)));
        Assert.True(limiter.TryPass("acme", "dev-1", "throttle", T0.AddMinutes(31)), "a new window starts afresh");
    }

    [Fact]
    public void RateLimiter_CustomersAreIndependent()
    {
        var limiter = new CustomerRateLimiter { PerWindow = 1 };
        Assert.True(limiter.TryPass("acme", "d1", "k", T0));
        Assert.False(limiter.TryPass("acme", "d1", "k", T0));
        Assert.True(limiter.TryPass("globex", "d1", "k", T0));
    }

    [Fact]
    public void Retry_FullJitterBetweenFloorAndDoublingCeiling_CappedAtAnHour()
    {
        var retry = new RetryPolicy();
        Assert.Equal(TimeSpan.FromSeconds(1), retry.Delay(1, 0));
        Assert.Equal(TimeSpan.FromSeconds(30), retry.Delay(1, 1));
        Assert.Equal(TimeSpan.FromSeconds(240), retry.Delay(4, 1));
        Assert.Equal(TimeSpan.FromHours(1), retry.Delay(8, 1));
        Assert.Equal(TimeSpan.FromHours(1), retry.Delay(1000, 1));
        TimeSpan mid = retry.Delay(3, 0.5);
        Assert.InRange(mid, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(61));
    }
}
