using System;
using System.Collections.Generic;

namespace SecureDevice.Lab.Simulation;

/// <summary>Figures for one policy in a storm run. Times are seconds after the broker recovered.</summary>
public sealed record StormResult(string Policy, long Attempts, long OutageProbes, int PeakPerSecond, double T99Seconds, double T100Seconds, int Connected, int Devices)
{
    public string ResultLine => FormattableString.Invariant($"RESULT attempts={Attempts} peak_per_s={PeakPerSecond} t99_s={T99Seconds:0.0} t100_s={T100Seconds:0.0}");
}

/// <summary>
/// A fleet loses its broker at once. Model (docs/flood-guard.md): at t = 0 every device's connection drops; until
/// <c>outageSeconds</c> the broker is down and every attempt fails at once (counted as an outage probe, which costs the
/// service nothing: the TCP connection is refused); from then on the broker admits at most <c>quota</c> CONNECTs per
/// second and refuses the rest with a "connection rate exceeded" hint; every refused attempt is wasted. Attempts,
/// peak and times are measured at the broker after recovery. Deterministic for a seed; event-driven.
/// </summary>
public static class StormSimulation
{
    /// <summary>Simulated time limit after recovery, seconds (a policy that has not connected everyone by then is cut off).</summary>
    public const int HorizonSeconds = 3600;

    /// <summary>
    /// Largest fleet simulated. The fixed-interval policies retry every device until the quota admits it, so the run's
    /// cost grows with devices² / quota (docs/flood-guard.md): measured on the 2-core CI machine at 500 CONNECT/s,
    /// 100,000 devices took 4 min 34 s and 74 MB, so a million would take hours; 20,000 is the ceiling.
    /// </summary>
    public const int MaxDevices = 20_000;

    public static StormResult Run(string policy, int devices, int quota, int outageSeconds, ulong seed)
    {
        var random = new SeededRandom(seed);
        long recoveryMs = outageSeconds * 1000L;
        long horizonMs = recoveryMs + HorizonSeconds * 1000L;
        var queue = new PriorityQueue<int, long>(devices);
        var fleet = new IStormDevice[devices];
        for (int i = 0; i < devices; i++)
        {
            fleet[i] = StormPolicies.Create(policy, random.Fork(i));
            queue.Enqueue(i, fleet[i].OnDisconnected(0));
        }

        var perSecond = new Dictionary<long, int>();
        var admittedPerSecond = new Dictionary<long, int>();
        long attempts = 0;
        long probes = 0;
        int connected = 0;
        long t99Ms = -1;
        long lastMs = -1;
        int target99 = (int)Math.Ceiling(devices * 0.99);
        while (queue.TryDequeue(out int device, out long atMs))
        {
            if (atMs > horizonMs)
            {
                break;
            }

            if (atMs < recoveryMs)
            {
                probes++;
                queue.Enqueue(device, Math.Max(atMs + 1, fleet[device].OnFailed(atMs, brokerAskedToSlowDown: false)));
                continue;
            }

            attempts++;
            long second = atMs / 1000;
            perSecond[second] = perSecond.GetValueOrDefault(second) + 1;
            int admitted = admittedPerSecond.GetValueOrDefault(second);
            if (admitted < quota)
            {
                admittedPerSecond[second] = admitted + 1;
                connected++;
                lastMs = atMs;
                if (connected == target99)
                {
                    t99Ms = atMs;
                }

                continue;
            }

            queue.Enqueue(device, Math.Max(atMs + 1, fleet[device].OnFailed(atMs, brokerAskedToSlowDown: true)));
        }

        int peak = 0;
        foreach (int count in perSecond.Values)
        {
            peak = Math.Max(peak, count);
        }

        double t99 = t99Ms < 0 ? double.PositiveInfinity : (t99Ms - recoveryMs) / 1000.0;
        double t100 = connected < devices ? double.PositiveInfinity : (lastMs - recoveryMs) / 1000.0;
        return new StormResult(policy, attempts, probes, peak, t99, t100, connected, devices);
    }
}
