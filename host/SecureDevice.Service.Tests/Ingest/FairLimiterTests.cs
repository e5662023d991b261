using System;
using SecureDevice.Service.Ingest;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

public sealed class FairLimiterTests
{
    [Fact]
    public void TryAdmit_DeviceOverItsBurst_IsDeviceLimited_ThenRefills()
    {
        var limiter = new FairLimiter(new FairLimits(DeviceBurst: 3, DevicePerHour: 3600));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Admission.Admitted, limiter.TryAdmit("d1", null, 0, 1000));
        }

        Assert.Equal(Admission.DeviceLimited, limiter.TryAdmit("d1", null, 0, 1000));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit("d2", null, 0, 1000));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit("d1", null, 0, 2000));
        Assert.Equal(Admission.DeviceLimited, limiter.TryAdmit("d1", null, 0, 2000));
    }

    [Fact]
    public void TryAdmit_CustomerOverItsShare_IsCustomerLimited_OtherCustomersNot()
    {
        // 4 devices x burst 10 x share 0.25 = 10 messages at once for the customer.
        var limiter = new FairLimiter(new FairLimits(DeviceBurst: 10, DevicePerHour: 3600, CustomerShare: 0.25));
        int admitted = 0;
        for (int i = 0; i < 4; i++)
        {
            for (int m = 0; m < 10; m++)
            {
                admitted += limiter.TryAdmit("a" + i, "acme", 4, 5000) == Admission.Admitted ? 1 : 0;
            }
        }

        Assert.Equal(10, admitted);
        Assert.Equal(Admission.CustomerLimited, limiter.TryAdmit("a4", "acme", 4, 5000));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit("b0", "globex", 4, 5000));
    }

    [Theory]
    [InlineData(720)]
    [InlineData(3_600_000)]
    [InlineData(3_600_001)]
    [InlineData(180_000_000)]
    [InlineData(int.MaxValue)]
    public void RateBucket_AnyRate_KeepsItsAverage_AndNeverDividesByZero(int perHour)
    {
        var bucket = new RateBucket(capacity: 1, perHour: perHour);
        Assert.True(bucket.TryTake(0));
        long taken = 0;
        for (long ms = 1; ms <= 10_000; ms++)
        {
            while (bucket.TryTake(ms) && taken < 100_000_000)
            {
                taken++;
            }
        }

        double expected = perHour * 10.0 / 3600.0;
        Assert.InRange(taken, Math.Floor(expected * 0.98) - 1, Math.Ceiling(expected * 1.02) + bucket.Scale);
    }

    [Fact]
    public void Evict_HugeLimits_DropsRefilledBuckets_WithoutThrowing()
    {
        // A customer of 100,000 devices at 720/h each, a quarter share: 18,000,000 per hour, past the core bucket's 3,600,000.
        var limiter = new FairLimiter(new FairLimits(DeviceBurst: 1_000_000, DevicePerHour: 2_000_000_000));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit("d1", "big", 100_000, 1000));
        Assert.Equal((1, 1), limiter.Size);
        Assert.Equal(2, limiter.Evict(1000 + 3_600_000));
        Assert.Equal((0, 0), limiter.Size);
    }
}
