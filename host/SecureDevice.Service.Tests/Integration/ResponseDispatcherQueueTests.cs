using System;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Monitoring;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// The response queue is bounded and says so: a signal that does not fit is refused (false) and counted in
/// /metrics. The channel used to drop it silently and report success (BoundedChannelFullMode.DropWrite makes TryWrite
/// return true for the dropped item), so neither the caller nor the metric ever saw a drop.
/// </summary>
public sealed class ResponseDispatcherQueueTests
{
    [Fact]
    public void Signal_QueueFull_RefusedAndCounted()
    {
        var metrics = new ServiceMetrics();
        var dispatcher = new ResponseDispatcher(null!, null!, metrics, NullLogger.Instance, TimeProvider.System);
        var signal = new DeviceSignal("dev-1", "acme", "bad-data", 1, "x", 0);
        for (int i = 0; i < ResponseDispatcher.QueueCapacity; i++)
        {
            Assert.True(dispatcher.Signal(signal));
        }

        Assert.Equal(0, metrics.SignalsDropped.Value);
        Assert.False(dispatcher.Signal(signal));
        Assert.Equal(1, metrics.SignalsDropped.Value);
    }
}
