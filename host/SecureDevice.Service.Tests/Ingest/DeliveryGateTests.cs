using System;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Ingest;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>The delivery gate: full is a wait for the reader, taking resumes it (at half the window), close and cancellation end the wait.</summary>
public sealed class DeliveryGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task WaitForRoomAsync_AtCapacity_WaitsUntilTakenDownToHalf()
    {
        var gate = new DeliveryGate(4);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(await gate.WaitForRoomAsync(CancellationToken.None));
            gate.Read();
        }

        ValueTask<bool> wait = gate.WaitForRoomAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);

        gate.Taken(); // 3 outstanding: room, but the reader resumes at 2
        await Task.Delay(50);
        Assert.False(wait.IsCompleted);

        gate.Taken();
        Assert.True(await wait.AsTask().WaitAsync(Patience));
        Assert.Equal(2, gate.Outstanding);
    }

    [Fact]
    public async Task WaitForRoomAsync_Closed_EndsTheWaitWithFalse_AndEveryLaterWait()
    {
        var gate = new DeliveryGate(1);
        gate.Read();
        ValueTask<bool> wait = gate.WaitForRoomAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);

        gate.Close();
        Assert.False(await wait.AsTask().WaitAsync(Patience));
        gate.Taken();
        Assert.False(await gate.WaitForRoomAsync(CancellationToken.None));
    }

    [Fact]
    public async Task WaitForRoomAsync_Cancelled_Throws_AndTheGateStillWorks()
    {
        var gate = new DeliveryGate(2);
        gate.Read();
        gate.Read();
        using var cancel = new CancellationTokenSource();
        ValueTask<bool> wait = gate.WaitForRoomAsync(cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.AsTask().WaitAsync(Patience));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.WaitForRoomAsync(cancel.Token).AsTask());

        ValueTask<bool> again = gate.WaitForRoomAsync(CancellationToken.None);
        Assert.False(again.IsCompleted);
        gate.Taken();
        Assert.True(await again.AsTask().WaitAsync(Patience));
    }

    [Fact]
    public void Taken_NothingOutstanding_OpensNoExtraRoom()
    {
        var gate = new DeliveryGate(2);
        gate.Taken();
        gate.Taken();
        Assert.Equal(0, gate.Outstanding);
        gate.Read();
        gate.Read();
        Assert.False(gate.WaitForRoomAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public void Constructor_CapacityBelowOne_Refused() => Assert.Throws<ArgumentOutOfRangeException>(() => new DeliveryGate(0));
}
