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

    // The outage credit (docs/service.md, "Fair ingest"): limits scaled down to 3 at once and 1 per second, so an
    // outage of 20 s is worth 3 + 20 = 23 messages per device.
    private static readonly FairLimits Small = new(DeviceBurst: 3, DevicePerHour: 3600);

    private static int Admitted(FairLimiter limiter, string device, string? customer, int customerDevices, long nowMs, int tries)
    {
        int admitted = 0;
        for (int i = 0; i < tries; i++)
        {
            admitted += limiter.TryAdmit(device, customer, customerDevices, nowMs) == Admission.Admitted ? 1 : 0;
        }

        return admitted;
    }

    [Fact]
    public void CreditOutage_Device_AdmitsBurstPlusRateTimesOutageMore_ThenLimits()
    {
        var live = new FairLimiter(Small);
        var credited = new FairLimiter(Small);
        credited.CreditOutage(20_000, 1000);

        Assert.Equal(3, Admitted(live, "d1", null, 0, 1000, 100));
        Assert.Equal(3 + 23, Admitted(credited, "d1", null, 0, 1000, 100));
        Assert.Equal(Admission.DeviceLimited, credited.TryAdmit("d1", null, 0, 1000));
    }

    [Fact]
    public void CreditOutage_AfterItsWindow_Expired_LeftoverCreditUnused()
    {
        var limiter = new FairLimiter(Small);
        limiter.CreditOutage(20_000, 0);
        Assert.Equal(10, Admitted(limiter, "d1", null, 0, 0, 10));
        long end = FairLimiter.CreditWindow(20_000);
        Assert.Equal(60_000, end);
        Assert.True(limiter.CreditActive(end - 1));
        Assert.False(limiter.CreditActive(end));

        // 13 of d1's credit are left and its bucket refilled to 3: only the bucket counts now; a new device gets none.
        Assert.Equal(3, Admitted(limiter, "d1", null, 0, end, 100));
        Assert.Equal(3, Admitted(limiter, "d2", null, 0, end, 100));
    }

    [Fact]
    public void CreditOutage_BucketCreatedDuringTheCredit_GetsIt()
    {
        var limiter = new FairLimiter(Small);
        limiter.CreditOutage(20_000, 0);
        Assert.Equal(3 + 23, Admitted(limiter, "first-seen-late", null, 0, 30_000, 100));
    }

    [Fact]
    public void CreditOutage_EvictedWhileTheCreditLasts_NoSecondCredit()
    {
        var limiter = new FairLimiter(Small);
        limiter.CreditOutage(20_000, 0);
        Assert.Equal(3 + 23, Admitted(limiter, "d1", null, 0, 0, 100));

        // Its bucket is full again after 3 s: dropped, it would come back with a fresh credit.
        Assert.Equal(0, limiter.Evict(10_000));
        Assert.Equal(3, Admitted(limiter, "d1", null, 0, 10_000, 100));
    }

    [Fact]
    public void CreditOutage_Customer_AdmitsItsBurstPlusRateTimesOutageMore()
    {
        // 4 devices x burst 3 x share 0.25 = 3 at once, 4 x 3600 x 0.25 = 3600 per hour: the customer's credit is 23.
        var live = new FairLimiter(Small);
        var credited = new FairLimiter(Small);
        credited.CreditOutage(20_000, 1000);
        int liveAdmitted = 0;
        int creditedAdmitted = 0;
        for (int d = 0; d < 4; d++)
        {
            liveAdmitted += Admitted(live, "a" + d, "acme", 4, 1000, 10);
            creditedAdmitted += Admitted(credited, "a" + d, "acme", 4, 1000, 10);
        }

        Assert.Equal(3, liveAdmitted);
        Assert.Equal(3 + 23, creditedAdmitted);
        Assert.Equal(Admission.CustomerLimited, credited.TryAdmit("a0", "acme", 4, 1000));
    }

    [Theory]
    [InlineData(false, 20_000L, 0L)]
    [InlineData(true, 20_000L, 20_000L)]
    [InlineData(true, -5_000L, 0L)]
    [InlineData(true, 30L * 86_400_000, 86_400_000L)]
    public void OutageToCredit_SessionAndBounds(bool sessionPresent, long outageMs, long expected)
    {
        long now = 100L * 86_400_000;
        Assert.Equal(expected, FairLimiter.OutageToCredit(sessionPresent, now - outageMs, now, 86_400_000));
        Assert.Equal(0, FairLimiter.OutageToCredit(sessionPresent, null, now, 86_400_000));
    }

    // Saved time, newest commit, this instance's newest flush (-1: none) -> last-up time (-1: none), source, credit at 100 s.
    [Theory]
    [InlineData(70_000L, 90_000L, 95_000L, 70_000L, ResumeSource.SavedTime, 30_000L)] // the saved time wins, earlier or not
    [InlineData(95_000L, 20_000L, -1L, 95_000L, ResumeSource.SavedTime, 5_000L)]
    [InlineData(-1L, 80_000L, -1L, 80_000L, ResumeSource.DatabaseFallback, 20_000L)] // first start of this version
    [InlineData(-1L, 80_000L, 85_000L, 80_000L, ResumeSource.DatabaseFallback, 20_000L)]
    [InlineData(-1L, 99_000L, 40_000L, 40_000L, ResumeSource.DatabaseFallback, 60_000L)] // another instance committed later
    [InlineData(-1L, -1L, 40_000L, -1L, ResumeSource.None, 0L)] // nothing stored: nothing to credit
    [InlineData(-1L, -1L, -1L, -1L, ResumeSource.None, 0L)]
    [InlineData(-1L, 160_000L, -1L, 160_000L, ResumeSource.DatabaseFallback, 0L)] // the clock went backwards
    public void ResumeFrom_SavedTimeElseTheDatabasesEarlierEvidence(long saved, long commit, long flush, long up, ResumeSource source, long credit)
    {
        ResumePoint point = FairLimiter.ResumeFrom(Known(saved), Known(commit), Known(flush));
        Assert.Equal(new ResumePoint(Known(up), source), point);
        Assert.Equal(credit, FairLimiter.OutageToCredit(true, point.LastUpMs, 100_000, 86_400_000));
    }

    [Fact]
    public void ResumeFrom_FallbackOfAWeekAndMore_BoundedLikeASavedTime()
    {
        long now = 100L * 86_400_000;
        ResumePoint point = FairLimiter.ResumeFrom(null, now - (30L * 86_400_000), null);
        Assert.Equal(FairLimiter.MaxOutageMs, FairLimiter.OutageToCredit(true, point.LastUpMs, now, long.MaxValue));
        Assert.Equal(0, FairLimiter.OutageToCredit(false, point.LastUpMs, now, long.MaxValue)); // a new session: nothing queued
    }

    private static long? Known(long ms) => ms < 0 ? null : ms;

    [Fact]
    public void CreditOutage_Bounded_SevenDaysAtMost_NothingForNone()
    {
        var limiter = new FairLimiter(Small);
        limiter.CreditOutage(0, 0);
        Assert.False(limiter.CreditActive(0));
        limiter.CreditOutage(-1, 0);
        Assert.False(limiter.CreditActive(0));

        limiter.CreditOutage(30L * 86_400_000, 0);
        Assert.Equal(FairLimiter.MaxOutageMs, limiter.OutageMs);
        Assert.False(limiter.CreditActive(FairLimiter.MaxCreditWindowMs));
        long credit = 3 + (FairLimiter.MaxOutageMs / 1000);
        int taken = Admitted(limiter, "d1", null, 0, 0, (int)credit + 10);
        Assert.Equal(credit + 3, taken);
    }

    [Theory]
    [InlineData(1, 60, 720)]
    [InlineData(2, 30, 360)]
    [InlineData(3, 20, 240)]
    [InlineData(7, 9, 103)] // rounded up: 7 x 9 = 63 at once, 7 x 103 = 721 an hour, never stricter than the limit
    [InlineData(100, 1, 8)] // never below one message
    [InlineData(0, 60, 720)] // no count yet: the whole limits
    public void Share_LiveInstances_EachTakesItsPartRoundedUp(int instances, int burst, int perHour)
    {
        FairLimits shared = new FairLimits().Share(instances);
        Assert.Equal((burst, perHour, 0.25), (shared.DeviceBurst, shared.DevicePerHour, shared.CustomerShare));
    }

    [Fact]
    public void Share_Two_ABucketHoldsHalf_ItsTokensCappedNotRefilled()
    {
        var limiter = new FairLimiter(new FairLimits(DeviceBurst: 10, DevicePerHour: 3600));
        Assert.Equal(Admission.Admitted, limiter.TryAdmit("d1", null, 0, 1000)); // d1's bucket exists with 9 left
        limiter.Share(2);
        Assert.Equal(2, limiter.SharedBy);
        Assert.Equal(5, Admitted(limiter, "d1", 1000)); // capped to the new capacity of 5
        Assert.Equal(5, Admitted(limiter, "d2", 1000)); // a new bucket: 5

        // Back to one instance: no windfall, the buckets refill at the whole rate (1/s) up to 10.
        limiter.Share(1);
        Assert.Equal(0, Admitted(limiter, "d1", 1000));
        Assert.Equal(2, Admitted(limiter, "d1", 3000));
    }

    [Fact]
    public void Share_Two_CustomerBucketFollows()
    {
        // 4 devices x burst 10 x 0.25 = 10 at once; shared by 2: 4 x 5 x 0.25 = 5.
        var limiter = new FairLimiter(new FairLimits(DeviceBurst: 10, DevicePerHour: 3600, CustomerShare: 0.25));
        limiter.TryAdmit("a0", "acme", 4, 5000);
        limiter.Share(2);
        int admitted = 0;
        for (int i = 0; i < 4; i++)
        {
            admitted += Admitted(limiter, "a" + i, 5000, "acme", 4);
        }

        Assert.Equal(5, admitted);
    }

    private static int Admitted(FairLimiter limiter, string device, long nowMs, string? customer = null, int devices = 0)
    {
        int admitted = 0;
        for (int i = 0; i < 100; i++)
        {
            admitted += limiter.TryAdmit(device, customer, devices, nowMs) == Admission.Admitted ? 1 : 0;
        }

        return admitted;
    }
}
