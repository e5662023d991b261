using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Storage;

namespace SecureDevice.Benchmarks;

/// <summary>
/// The ingest writer's commit stage alone (docs/scale.md): the production <see cref="FleetStore.CommitAsync"/> on a
/// migrated SQLite file (WAL, synchronous=FULL, as the service runs it), fed batches shaped like the bench's (1,000
/// devices in turn, each report its device's next sequence number, one "seen" row per device of the batch), with the
/// service's <see cref="SqliteCheckpointer"/> running beside it as in the service. No broker, no decoder, no network:
/// what one report costs the single writer, and how uneven the batches are (a slow batch is what builds the queue
/// behind the p99). Prints one RESULT line. Run: dotnet run -c Release --project host/SecureDevice.Benchmarks --
/// --store-commit [--reports 300000] [--batch 500] [--devices 1000].
/// </summary>
internal static class StoreCommitFigures
{

    public static int Run(int reports, int batch, int devices)
    {
        string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sd-commit-bench-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(folder);
        try
        {
            return Measure(new SqliteDialect(folder), reports, batch, devices).GetAwaiter().GetResult();
        }
        finally
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> Measure(SqlDialect dialect, int reports, int batchSize, int devices)
    {
        await using FleetStore store = new(dialect);
        await store.MigrateAsync(1000, CancellationToken.None);
        const long Start = 1_800_000_000_000;
        var entries = Enumerable.Range(0, devices)
            .Select(i => new RegistryEntry("bench-" + i.ToString("D5", CultureInfo.InvariantCulture), "bench", i.ToString("x8", CultureInfo.InvariantCulture), new string('0', 64), Start + 86_400_000L * 365, Start, "active", null))
            .ToList();
        await store.SyncRegistryAsync(entries, Start, CancellationToken.None);
        Dictionary<string, long> refs = (await store.ListDevicesAsync(CancellationToken.None)).ToDictionary(d => d.DeviceId, d => d.Ref);
        long[] deviceRefs = entries.Select(e => refs[e.DeviceId]).ToArray();
        byte[] payload = HealthReports.Cbor(3, 1234);
        var seq = new long[devices];

        using var stopCheckpoints = new CancellationTokenSource();
        // The service's own background checkpoint (FleetService runs it beside the writer).
        Task checkpoints = dialect is SqliteDialect sqlite
            ? Task.Run(() => new SqliteCheckpointer(sqlite, new SecureDevice.Service.Monitoring.ServiceMetrics(), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System).RunAsync(stopCheckpoints.Token))
            : Task.CompletedTask;
        var batchMs = new List<double>();
        long nextDevice = 0;
        long receivedMs = Start;
        var total = Stopwatch.StartNew();
        for (int done = 0; done < reports; done += batchSize)
        {
            var batch = new IngestBatch();
            var seen = new Dictionary<long, DeviceSeen>();
            int count = Math.Min(batchSize, reports - done);
            for (int i = 0; i < count; i++)
            {
                int d = (int)(nextDevice++ % devices);
                long s = ++seq[d];
                receivedMs += i % 10 == 0 ? 1 : 0; // 10,000 reports per simulated second
                batch.Health.Add(new HealthRow(deviceRefs[d], entries[d].DeviceId, receivedMs, 3, s, s * 300, 1, 4950, 120, 80, 1000 + s, 500 + s, 300, -60, 1, 0, 10203, 0, payload));
                seen[deviceRefs[d]] = new DeviceSeen(deviceRefs[d], receivedMs, 3, s, 10203);
            }

            batch.Seen.AddRange(seen.Values);
            var watch = Stopwatch.StartNew();
            BatchResult result = await store.CommitAsync(batch, CancellationToken.None);
            batchMs.Add(watch.Elapsed.TotalMilliseconds);
            if (result.HealthInserted.Any(inserted => !inserted))
            {
                Console.Error.WriteLine("securedevice-bench: a fresh report was not inserted");
                return 1;
            }
        }

        double seconds = total.Elapsed.TotalSeconds;
        stopCheckpoints.Cancel();
        await checkpoints;
        var sorted = batchMs.OrderBy(x => x).ToList();
        double p50 = sorted[sorted.Count / 2];
        double p99 = sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * 0.99))];
        double max = sorted[^1];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RESULT store_commit_db={dialect.Name} reports={reports} batch={batchSize} devices={devices} us_per_report={seconds * 1e6 / reports:0.0} batch_p50_ms={p50:0.0} batch_p99_ms={p99:0.0} batch_max_ms={max:0.0} reports_per_s={reports / seconds:0}"));
        return 0;
    }
}
