using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Postgres;

namespace SecureDevice.Lab.Ingest;

/// <summary>What <see cref="IngestBenchmark.RunAsync"/> runs (docs/scale.md, "Measured").</summary>
public sealed record IngestBenchmarkOptions
{
    public const int MaxDevices = 20_000;
    public const int MaxRate = 200_000;
    public const int MaxSeconds = 3600;

    /// <summary>Virtual devices, each its own certificate and mutual-TLS MQTT connection.</summary>
    public int Devices { get; init; } = 1000;

    /// <summary>Reports per second offered, all devices together (open loop: published on schedule whatever the service does).</summary>
    public int Rate { get; init; } = 10_000;

    /// <summary>How long reports are offered.</summary>
    public int Seconds { get; init; } = 30;

    /// <summary>
    /// Seconds of load offered (at <see cref="Rate"/>, boot 1; the measured run is boot 2) and committed before the measured run, so that a fresh
    /// service process's JIT compilation and first allocations are not counted; 0: none.
    /// </summary>
    public int WarmupSeconds { get; init; }

    /// <summary>postgres://... for PostgreSQL; null for SQLite in the run's data folder.</summary>
    public string? DatabaseUrl { get; init; }

    /// <summary>Start a throwaway PostgreSQL cluster with PostgreSQL's durable defaults and use it.</summary>
    public bool ThrowawayPostgres { get; init; }

    /// <summary>How long to wait after the last publish for every report to be committed.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(120);
}

/// <summary>The figures of one run.</summary>
public sealed record IngestBenchmarkResult(
    string Database,
    int Devices,
    int OfferedPerSecond,
    long Published,
    double PublishedPerSecond,
    long Committed,
    double ReportsPerSecond,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double RssMb,
    double CpuCores,
    long DatabaseBytes,
    double CpuMsPerReport,
    double Batches,
    IReadOnlyDictionary<string, double> StageUsPerReport)
{
    public string ResultLine => FormattableString.Invariant($"RESULT reports_per_s={ReportsPerSecond:0} p99_ms={P99Ms:0} rss_mb={RssMb:0}");

    /// <summary>Where the service's time went: CPU per report (less sensitive to a shared machine's load than rates) and the writer's stages in wall time per report.</summary>
    public string ProfileLine => FormattableString.Invariant($"RESULT cpu_ms_per_report={CpuMsPerReport:0.000} published_per_s={PublishedPerSecond:0} batch_mean={(Batches > 0 ? Committed / Batches : 0):0} ")
        + string.Join(" ", StageUsPerReport.Select(s => FormattableString.Invariant($"{s.Key}_us_per_report={s.Value:0.0}")));
}

/// <summary>
/// <c>securedevice bench ingest</c>: a throwaway fleet (<see cref="IngestLab"/>: PKI, the reference broker in
/// mosquitto), <see cref="IngestBenchmarkOptions.Devices"/> virtual devices publishing health reports made by the
/// device's own encoder at QoS 1 over mutual TLS, and one <c>securedevice service</c> process (so that its memory and
/// CPU are its own, read from /proc). Latency: the service's <c>securedevice_ingest_stored_total{kind="health"}</c>
/// is polled every 100 ms; the k-th report committed is matched with the k-th report published (the broker delivers one
/// subscriber's queue in order), so the k-th latency is the first poll that saw k commits minus the k-th publish time
/// (exact to the poll interval when delivery is in publish order). Every report must be committed exactly once, or the
/// run fails. The service runs with device limits raised: each virtual device sends far faster than the firmware does.
/// </summary>
public static class IngestBenchmark
{
    // Every poll makes the service render /metrics (prometheus-net also refreshes its .NET statistics then): at 20 ms that
    // was 13 % of the service's CPU in a profile, so the bench polls every 100 ms (latency exact to 0.1 s).
    private const int PollMs = 100;

    public static async Task<IngestBenchmarkResult> RunAsync(IngestBenchmarkOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        DirectoryInfo folder = Directory.CreateTempSubdirectory("securedevice-bench-");
        PostgresCluster? cluster = null;
        IngestLab? lab = null;
        ServiceProcess? service = null;
        var publishers = new List<DevicePublisher>();
        try
        {
            lab = IngestLab.Create(Path.Combine(folder.FullName, "lab"));
            string? url = options.DatabaseUrl;
            if (options.ThrowawayPostgres)
            {
                cluster = PostgresCluster.Start(durable: true);
                url = await cluster.CreateDatabaseAsync("bench", cancellationToken).ConfigureAwait(false);
            }

            var watch = Stopwatch.StartNew();
            IReadOnlyList<EnrolledDevice> devices = DeviceEnrollment.Enroll(lab.Pki,
                Enumerable.Range(1, options.Devices).Select(i => "bench-" + i.ToString("D5", CultureInfo.InvariantCulture)).ToList(),
                id => "customer-" + (int.Parse(id.AsSpan(6), CultureInfo.InvariantCulture) % 10).ToString(CultureInfo.InvariantCulture), DateTimeOffset.UtcNow);
            await lab.RegisterAsync(devices.Select(d => d.Id).ToList()).ConfigureAwait(false);
            progress(options.Devices + " devices enrolled in " + watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");

            var arguments = new List<string>
            {
                "--pki", lab.Pki.Folder, "--data", lab.Data, "--broker", "localhost:" + lab.Port.ToString(CultureInfo.InvariantCulture), "--listen", "127.0.0.1:0", "--quiet",
                "--device-burst", "1000000", "--device-rate", "2000000000",
            };
            if (url != null)
            {
                arguments.Add("--database");
                arguments.Add(url);
            }

            service = ServiceProcess.Start(arguments.ToArray());
            Uri address = await service.ReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            progress("service ready at " + address + " (" + (url == null ? "SQLite" : "PostgreSQL") + ")");

            watch.Restart();
            using (var gate = new SemaphoreSlim(32))
            {
                DevicePublisher[] connected = await Task.WhenAll(devices.Select(async d =>
                {
                    await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                    try
                    {
                        return await DevicePublisher.ConnectAsync(d, "localhost", lab.Port, lab.Root, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                })).ConfigureAwait(false);
                publishers.AddRange(connected);
            }

            progress(options.Devices + " devices connected over mutual TLS in " + watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");

            if (options.WarmupSeconds > 0)
            {
                long warm = (long)options.Rate * options.WarmupSeconds;
                long before = await StoredAsync(address, cancellationToken).ConfigureAwait(false);
                await PublishAsync(publishers, warm, options.Rate, 1, null, cancellationToken).ConfigureAwait(false);
                var warming = Stopwatch.StartNew();
                while (await StoredAsync(address, cancellationToken).ConfigureAwait(false) - before < warm)
                {
                    if (warming.Elapsed > options.DrainTimeout)
                    {
                        throw new TimeoutException("the warm-up's " + warm + " reports were not all committed within " + options.DrainTimeout.TotalSeconds + " s");
                    }

                    await Task.Delay(PollMs, cancellationToken).ConfigureAwait(false);
                }

                progress(warm + " warm-up reports committed");
            }

            long baseline = await StoredAsync(address, cancellationToken).ConfigureAwait(false);
            string metricsBefore = await MetricsAsync(address, cancellationToken).ConfigureAwait(false);
            long total = (long)options.Rate * options.Seconds;
            long[] published = new long[total];
            var samples = new List<(long At, long Count)>();
            long peakRss = 0;
            using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            Task poller = Task.Run(async () =>
            {
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                while (!stopPolling.IsCancellationRequested)
                {
                    long count = await StoredAsync(client, address, stopPolling.Token).ConfigureAwait(false) - baseline;
                    long at = Stopwatch.GetTimestamp();
                    lock (samples)
                    {
                        samples.Add((at, count));
                    }

                    peakRss = Math.Max(peakRss, ProcessFigures.ResidentBytes(service.Id));
                    if (count >= total)
                    {
                        return;
                    }

                    await Task.Delay(PollMs, stopPolling.Token).ConfigureAwait(false);
                }
            }, stopPolling.Token);

            (double cpuBefore, _) = ProcessFigures.CpuSeconds(service.Id);
            await PublishAsync(publishers, total, options.Rate, 2, published, cancellationToken).ConfigureAwait(false);
            long publishEnd = Stopwatch.GetTimestamp();
            double publishSeconds = (publishEnd - published.Min()) / (double)Stopwatch.Frequency;
            progress(total + " reports published in " + publishSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s; waiting for the last commits");

            Task finished = await Task.WhenAny(poller, Task.Delay(options.DrainTimeout, cancellationToken)).ConfigureAwait(false);
            stopPolling.Cancel();
            try
            {
                await poller.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }

            (double cpuAfter, _) = ProcessFigures.CpuSeconds(service.Id);
            peakRss = Math.Max(peakRss, ProcessFigures.PeakResidentBytes(service.Id));
            await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            long committed = await StoredAsync(address, cancellationToken).ConfigureAwait(false) - baseline;
            if (committed != total)
            {
                using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
                string[] rejected = (await client.GetStringAsync(new Uri(address, "metrics"), cancellationToken).ConfigureAwait(false)).Split('\n')
                    .Where(l => l.StartsWith("securedevice_", StringComparison.Ordinal) && !l.Contains("_bucket{", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal)).ToArray();
                throw new InvalidOperationException(total + " reports published but " + committed + " committed" + (finished == poller ? " (more than once)" : " within the drain timeout")
                    + "; " + string.Join(", ", rejected) + "; service output: " + service.Output[^Math.Min(2000, service.Output.Length)..]);
            }

            (long At, long Count)[] series;
            lock (samples)
            {
                series = samples.ToArray();
            }

            double[] latencies = Latencies(published, series);
            long lastCommit = series.First(s => s.Count >= total).At;
            double elapsed = (lastCommit - published.Min()) / (double)Stopwatch.Frequency;
            long databaseBytes = DatabaseBytes(lab.Data, url);
            string metrics = await MetricsAsync(address, cancellationToken).ConfigureAwait(false);
            double Delta(string series) => MetricDouble(metrics, series) - MetricDouble(metricsBefore, series);
            var stages = new[] { "judge", "commit", "ack", "report" }.ToDictionary(s => s, s => Delta("securedevice_ingest_stage_seconds_total{stage=\"" + s + "\"}") * 1e6 / total);
            return new IngestBenchmarkResult(url == null ? "sqlite" : "postgres", options.Devices, options.Rate, total, total / publishSeconds, committed, total / elapsed,
                Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1], peakRss / (1024.0 * 1024.0), (cpuAfter - cpuBefore) / elapsed, databaseBytes,
                (cpuAfter - cpuBefore) * 1000.0 / total, Delta("securedevice_ingest_batch_messages_count"), stages);
        }
        finally
        {
            await Task.WhenAll(publishers.Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
            service?.Dispose();
            lab?.Dispose();
            cluster?.Dispose();
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>
    /// Publishes <paramref name="total"/> reports at <paramref name="rate"/> per second, round-robin over the devices, on a
    /// fixed schedule (open loop), recording each publish time in <paramref name="published"/> when given.
    /// </summary>
    private static async Task PublishAsync(IReadOnlyList<DevicePublisher> publishers, long total, int rate, long boot, long[]? published, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
        int n = publishers.Count;
        await Task.WhenAll(publishers.Select((publisher, i) => Task.Run(async () =>
        {
            for (long index = i; index < total; index += n)
            {
                long due = start + (long)(index * (double)Stopwatch.Frequency / rate);
                long wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
                }

                if (published != null)
                {
                    published[index] = Stopwatch.GetTimestamp();
                }

                await publisher.PublishHealthAsync(boot, index / n, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Milliseconds from the k-th publish to the first poll that saw k commits, for every k, sorted.</summary>
    public static double[] Latencies(long[] publishedTimestamps, IReadOnlyList<(long At, long Count)> samples)
    {
        long[] published = (long[])publishedTimestamps.Clone();
        Array.Sort(published);
        var latencies = new double[published.Length];
        int s = 0;
        for (int k = 0; k < published.Length; k++)
        {
            while (s < samples.Count && samples[s].Count < k + 1)
            {
                s++;
            }

            if (s == samples.Count)
            {
                throw new InvalidOperationException("report " + (k + 1) + " was never seen committed");
            }

            latencies[k] = Math.Max(0, samples[s].At - published[k]) * 1000.0 / Stopwatch.Frequency;
        }

        Array.Sort(latencies);
        return latencies;
    }

    /// <summary>The nearest-rank percentile of sorted <paramref name="sorted"/>.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static async Task<string> MetricsAsync(Uri address, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await client.GetStringAsync(new Uri(address, "metrics"), cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> StoredAsync(Uri address, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await StoredAsync(client, address, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<long> StoredAsync(HttpClient client, Uri address, CancellationToken cancellationToken)
    {
        string metrics = await client.GetStringAsync(new Uri(address, "metrics"), cancellationToken).ConfigureAwait(false);
        return MetricValue(metrics, "securedevice_ingest_stored_total{kind=\"health\"}");
    }

    /// <summary>The value of one sample line of the Prometheus text format (0 when absent).</summary>
    public static long MetricValue(string metrics, string series) => (long)MetricDouble(metrics, series);

    /// <summary>The value of one sample line of the Prometheus text format, unrounded (0 when absent).</summary>
    public static double MetricDouble(string metrics, string series)
    {
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line.AsSpan(series.Length + 1).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static long DatabaseBytes(string data, string? url) =>
        url != null ? -1 : Directory.EnumerateFiles(data, "*", SearchOption.TopDirectoryOnly).Sum(f => new FileInfo(f).Length);
}
