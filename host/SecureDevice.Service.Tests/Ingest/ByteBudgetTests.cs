using System;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Ingest;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>The ingest byte budget: full is a wait in arrival order, never a loss; release resumes; one oversized request passes alone.</summary>
public sealed class ByteBudgetTests
{
    [Fact]
    public async Task AcquireAsync_PastCapacity_WaitsInOrder_ReleaseResumesThem()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(60, CancellationToken.None);
        ValueTask second = budget.AcquireAsync(50, CancellationToken.None);
        ValueTask third = budget.AcquireAsync(10, CancellationToken.None); // would fit, but must not overtake

        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        Assert.Equal(60, budget.Held);

        budget.Release(60);
        await second.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        await third.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(60, budget.Held);
    }

    [Fact]
    public async Task AcquireAsync_LargerThanCapacity_PassesOnlyWhenNothingIsHeld()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(1, CancellationToken.None);
        ValueTask big = budget.AcquireAsync(500, CancellationToken.None);
        Assert.False(big.IsCompleted);

        budget.Release(1);
        await big.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(500, budget.Held);
    }

    [Fact]
    public async Task AcquireAsync_CancelledWaiter_HoldsNothing_AndDoesNotBlockThoseBehindIt()
    {
        var budget = new ByteBudget(100);
        await budget.AcquireAsync(90, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        ValueTask first = budget.AcquireAsync(50, cancel.Token);
        ValueTask behind = budget.AcquireAsync(20, CancellationToken.None);

        budget.Release(80); // 10 held: the head (50) would fit and is granted first
        await first.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        await behind.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(80, budget.Held);

        ValueTask waiting = budget.AcquireAsync(50, cancel.Token);
        ValueTask next = budget.AcquireAsync(10, CancellationToken.None);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.AsTask());
        await next.AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(90, budget.Held);
    }

    [Fact]
    public void Release_MoreThanHeld_Throws_ConstructorRefusesZero()
    {
        var budget = new ByteBudget(100);
        Assert.Throws<InvalidOperationException>(() => budget.Release(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ByteBudget(0));
    }
}
