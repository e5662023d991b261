using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Doubles;

namespace SecureDevice.VirtualDevice;

/// <summary>A set of virtual devices started and stopped together, each with its own in-memory flash.</summary>
public sealed class Fleet : IDisposable
{
    /// <param name="identities">One device each.</param>
    /// <param name="backoff">The flood guard's backoff (the firmware's defaults when null).</param>
    /// <param name="timeScale">Each device's monotonic clock runs this many times faster (<see cref="DeviceClock"/>, 1..<see cref="DeviceClock.MaxScale"/>).</param>
    public Fleet(IEnumerable<DeviceIdentity> identities, BackoffConfig? backoff = null, int timeScale = 1)
    {
        Devices = identities.Select(i => new VirtualDevice(i, new MemoryFileStore(), backoff, timeScale: timeScale)).ToList();
    }

    public IReadOnlyList<VirtualDevice> Devices { get; }

    public int ConnectedCount => Devices.Count(d => d.Connected);

    public void StartAll()
    {
        foreach (VirtualDevice device in Devices)
        {
            device.Start();
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> devices are connected; false on timeout.</summary>
    public bool WaitConnected(int count, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (ConnectedCount < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(100);
        }

        return true;
    }

    public void Dispose()
    {
        foreach (VirtualDevice device in Devices)
        {
            device.PowerCut();
        }
    }
}
