using System;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.TestSupport;

public sealed class AllocationProbeTests
{
    [Fact]
    public void FewestBytes_AllocatingEveryRound_ReturnsOneRoundsBytes()
    {
        object? kept = null;

        long bytes = AllocationProbe.FewestBytes(() => kept = new byte[1000], 3);

        Assert.InRange(bytes, 1000, 1100);
        Assert.NotNull(kept);
    }

    [Fact]
    public void FewestBytes_AllocatingOnlyInTheFirstRound_ReturnsZeroAndStops()
    {
        int calls = 0;
        object? kept = null;

        long bytes = AllocationProbe.FewestBytes(() =>
        {
            if (calls++ == 0)
            {
                kept = new byte[1000];
            }
        }, 5);

        Assert.Equal(0, bytes);
        Assert.Equal(2, calls);
        Assert.NotNull(kept);
    }

    [Fact]
    public void FewestBytes_NoRounds_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AllocationProbe.FewestBytes(() => { }, 0));
    }
}
