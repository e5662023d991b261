using System;
using System.Collections.Generic;
using System.Linq;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Doubles;

namespace SecureDevice.Lab.Simulation;

/// <summary>Per-hour figures of a glitch run.</summary>
public sealed record GlitchHour(int Hour, int Attempts, int Boots, int FlashWrites, bool SafeMode);

/// <summary>Outcome of <see cref="GlitchSimulation.Run"/>.</summary>
public sealed record GlitchResult(IReadOnlyList<GlitchHour> Hours, int AttemptsFirstHour, double AttemptsPerHourSteady, int MaxFlashWritesPerHour)
{
    public string ResultLine => FormattableString.Invariant($"RESULT attempts_first_hour={AttemptsFirstHour} attempts_per_hour_steady={AttemptsPerHourSteady:0.00}");
}

/// <summary>
/// One device whose connection always fails (a network-class failure on every attempt), optionally rebooting every
/// <c>rebootEverySeconds</c> of uptime, run for <c>hours</c> of simulated time. It drives the portable core's
/// <see cref="ReconnectPolicy"/>, persisted through <see cref="RecordStore"/> on an in-memory flash that survives reboots,
/// exactly as the connection manager does on the device. Deterministic for a seed.
/// </summary>
public static class GlitchSimulation
{
    /// <summary>Longest simulated run: a year. Time and memory grow linearly with the attempts (about 8 per hour).</summary>
    public const int MaxHours = 24 * 366;

    private const long StartUtc = 1795341600;

    public static GlitchResult Run(int hours, int? rebootEverySeconds, ulong seed, BackoffConfig? config = null)
    {
        config ??= new BackoffConfig();
        var random = new SeededRandom(seed);
        var flash = new MemoryFileStore();
        long endMs = hours * 3_600_000L;
        var attemptTimes = new List<long>();
        var bootTimes = new List<long>();
        var writeTimes = new List<long>();
        var safeByHour = new bool[hours];
        long bootAtMs = 0;
        while (bootAtMs < endMs)
        {
            // One boot: restore, schedule, attempt until the next reboot (or the end).
            var store = new RecordStore(flash, "state/reconnect", ReconnectPolicy.RecordSize);
            var policy = new ReconnectPolicy(config);
            store.Load(out bool found);
            if (found)
            {
                policy.TryReadRecord(store.Payload, store.PayloadOffset, store.PayloadLength);
            }

            long uptimeEnd = rebootEverySeconds.HasValue ? Math.Min(endMs, bootAtMs + rebootEverySeconds.Value * 1000L) : endMs;
            long monotonic = 0;
            policy.OnBoot(monotonic, Utc(bootAtMs), random.NextUInt());
            bootTimes.Add(bootAtMs);
            Persist(store, policy, monotonic, bootAtMs, writeTimes, flash);
            while (true)
            {
                long wait = policy.MillisecondsUntilAttempt(monotonic);
                if (bootAtMs + monotonic + wait >= uptimeEnd)
                {
                    break;
                }

                monotonic += wait;
                policy.TryBeginAttempt(monotonic);
                attemptTimes.Add(bootAtMs + monotonic);
                policy.OnAttemptFailed(monotonic, ConnectFailure.Network, random.NextUInt());
                Persist(store, policy, monotonic, bootAtMs, writeTimes, flash);
                int hour = (int)((bootAtMs + monotonic) / 3_600_000L);
                if (hour < hours)
                {
                    safeByHour[hour] |= policy.SafeMode;
                }
            }

            int bootHour = (int)(bootAtMs / 3_600_000L);
            if (bootHour < hours)
            {
                safeByHour[bootHour] |= policy.SafeMode;
            }

            bootAtMs = uptimeEnd;
        }

        // One pass per list (not one per hour): a year of hours costs no more than a day's.
        int[] attempts = PerHour(attemptTimes, hours);
        int[] boots = PerHour(bootTimes, hours);
        int[] writes = PerHour(writeTimes, hours);
        var table = Enumerable.Range(0, hours).Select(h => new GlitchHour(h + 1, attempts[h], boots[h], writes[h], safeByHour[h])).ToList();
        double steady = hours > 1 ? table.Skip(1).Average(r => r.Attempts) : table[0].Attempts;
        return new GlitchResult(table, table[0].Attempts, steady, table.Max(r => r.FlashWrites));

        static long Utc(long simulatedMs) => StartUtc + simulatedMs / 1000;
    }

    private static int[] PerHour(List<long> times, int hours)
    {
        int[] counts = new int[hours];
        foreach (long time in times)
        {
            long hour = time / 3_600_000L;
            if (hour < hours)
            {
                counts[hour]++;
            }
        }

        return counts;
    }

    private static void Persist(RecordStore store, ReconnectPolicy policy, long monotonic, long bootAtMs, List<long> writeTimes, MemoryFileStore flash)
    {
        if (!policy.Dirty)
        {
            return;
        }

        var writer = new RecordWriter(new byte[ReconnectPolicy.RecordSize]);
        policy.WriteRecord(writer, monotonic, StartUtc + (bootAtMs + monotonic) / 1000);
        int before = flash.MutationCount;
        store.Save(writer.Buffer, 0, writer.Length);
        for (int i = before; i < flash.MutationCount; i++)
        {
            writeTimes.Add(bootAtMs + monotonic);
        }
    }
}
