using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Postgres;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Updates;

namespace SecureDevice.Benchmarks;

/// <summary>
/// What recording a group offer's waves costs (docs/console.md, "Rollouts and waves"): a rollout of N devices in the
/// waves 1 %, 10 %, 100 % written by the production store (<see cref="RolloutWaveStore"/>) into a migrated SQLite file
/// (WAL, synchronous=FULL, as the service runs it) and into a throwaway PostgreSQL cluster with durable defaults. Each
/// database is timed <c>runs</c> times (a fresh rollout each), the median printed as one RESULT line per database.
/// </summary>
internal static class RolloutPlanFigures
{
    public static int Run(int devices, int runs)
    {
        string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sd-rollout-bench-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(folder);
        try
        {
            Measure("sqlite", new SqliteDialect(folder), devices, runs).GetAwaiter().GetResult();
            using PostgresCluster cluster = PostgresCluster.Start(durable: true);
            string url = cluster.CreateDatabaseAsync("rollout_bench").GetAwaiter().GetResult();
            Measure("postgres", new PostgresDialect(DatabaseUrl.Parse(url), "bench"), devices, runs).GetAwaiter().GetResult();
            return 0;
        }
        finally
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task Measure(string name, SqlDialect dialect, int devices, int runs)
    {
        await using FleetStore store = new(dialect);
        await store.MigrateAsync(1000, CancellationToken.None);
        var waveStore = new RolloutWaveStore(dialect);
        List<string> ids = Enumerable.Range(0, devices).Select(i => "bench-" + i.ToString("D5", CultureInfo.InvariantCulture)).ToList();
        if (!WavePlan.TryCreate("1%,10%,100%", null, null, null, false, new List<string>(), out WavePlan plan))
        {
            throw new InvalidOperationException("the bench plan does not parse");
        }

        var waves = new List<IReadOnlyList<string>>();
        int taken = 0;
        foreach (int size in plan.Sizes(devices))
        {
            waves.Add(ids.GetRange(taken, size));
            taken += size;
        }

        var times = new List<double>();
        for (int run = 0; run < runs; run++)
        {
            var rollout = new RolloutRecord(0, 2000, "console:bench@127.0.0.1", "127.0.0.1", "bench", "b", "sensor", "1.1.0", 2, new string('0', 64), "https://u.example/b/", "group customer=bench", "bench", devices);
            var watch = Stopwatch.StartNew();
            long id = await waveStore.AddAsync(rollout, plan, waves, 2000, "console:bench@127.0.0.1", CancellationToken.None);
            times.Add(watch.Elapsed.TotalMilliseconds);
            if ((await waveStore.WaveAsync(id, 3, CancellationToken.None)).Count != waves[2].Count)
            {
                throw new InvalidOperationException("the plan was not recorded");
            }
        }

        times.Sort();
        double median = times[times.Count / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT rollout_plan_db={name} devices={devices} runs={runs} median_ms={median:0} min_ms={times[0]:0} max_ms={times[^1]:0} rows_per_s={devices / (median / 1000):0}"));
    }
}
