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

    /// <summary>Reports of one run at most: every one is encoded before the clock starts (~250 bytes of generator memory each).</summary>
    public const int MaxReports = 2_000_000;

    /// <summary>Backlog at most: the reference broker queues at most 1,000,000 messages for one session (max_queued_messages).</summary>
    public const int MaxBacklog = 1_000_000;

    public const int MaxWindow = 1000;

    /// <summary>Virtual devices, each its own certificate and mutual-TLS MQTT connection.</summary>
    public int Devices { get; init; } = 1000;

    /// <summary>Reports per second offered, all devices together (open loop: published on schedule whatever the service does); 0: as fast as the broker acknowledges.</summary>
    public int Rate { get; init; } = 10_000;

    /// <summary>How long reports are offered (at <see cref="Rate"/>; the run publishes Rate × Seconds reports).</summary>
    public int Seconds { get; init; } = 30;

    /// <summary>Reports of the measured run when <see cref="Rate"/> is 0 (as fast as the broker acknowledges).</summary>
    public int Reports { get; init; } = 100_000;

    /// <summary>Unacknowledged QoS 1 publishes each device connection may have at once.</summary>
    public int Window { get; init; } = 16;

    /// <summary>
    /// 0: the live run (generator and service side by side). N: the backlog run: N reports published as fast as the
    /// broker takes them while the service is stopped (queued in its persistent session), then the service started and
    /// the drain timed: the service's own throughput with no generator competing.
    /// </summary>
    public int Backlog { get; init; }

    /// <summary>
    /// Seconds of load offered (at <see cref="Rate"/>, boot 1; the measured run is boot 2) and committed before the measured run, so that a fresh
    /// service process's JIT compilation and first allocations are not counted; 0: none.
    /// </summary>
    public int WarmupSeconds { get; init; }

    /// <summary>postgres://... for PostgreSQL; null for SQLite in the run's data folder.</summary>
    public string? DatabaseUrl { get; init; }

    /// <summary>Start a throwaway PostgreSQL cluster with PostgreSQL's durable defaults and use it.</summary>
    public bool ThrowawayPostgres { get; init; }

    /// <summary>The broker's refusal counter plugin (a built .so) loaded before dynamic security; null: none (docs/broker.md).</summary>
    public string? RefusalCounter { get; init; }

    /// <summary>The service runs with <c>--detection-feed database</c> (every batch also written to the detection feed, judged by the lease holder).</summary>
    public bool DetectionFeedDatabase { get; init; }

    /// <summary>How long to wait after the last publish for every report to be committed (a backlog gets at least 1 s per 500 reports).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Deadline of the setup: the broker saying it runs, every device connected (retried), the service ready.</summary>
    public TimeSpan SetupTimeout { get; init; } = TimeSpan.FromSeconds(180);

    /// <summary>Reports of the measured run.</summary>
    public long MeasuredReports => Backlog > 0 ? Backlog : Rate > 0 ? (long)Rate * Seconds : Reports;
}

/// <summary>
/// CPU milliseconds per report of each process of a run (utime + stime from /proc over the measured span), the machine's
/// load, and the share of the machine's CPU time that was busy and that was stolen by the hypervisor over the same span.
/// The three processes share the machine, so their sum per report, times the rate, against the cores, says how close the
/// run was to the machine's capacity (docs/scale.md, eleventh round).
/// </summary>
public sealed record ProcessCosts(double ServiceMs, double BrokerMs, double GeneratorMs, double LoadAverage)
{
    /// <summary>Share of all cores' time spent busy (user, nice, system, irq, softirq), percent.</summary>
    public double MachineBusyPercent { get; init; }

    /// <summary>Share of all cores' time stolen by the hypervisor, percent.</summary>
    public double StealPercent { get; init; }

    public string Pairs => FormattableString.Invariant(
        $"service_cpu_ms_per_report={ServiceMs:0.000} broker_cpu_ms_per_report={BrokerMs:0.000} generator_cpu_ms_per_report={GeneratorMs:0.000} load_avg={LoadAverage:0.0} machine_busy_pct={MachineBusyPercent:0.0} steal_pct={StealPercent:0.0}");
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
    ProcessCosts Costs,
    double Batches,
    IReadOnlyDictionary<string, double> StageUsPerReport)
{
    public string ResultLine => FormattableString.Invariant($"RESULT reports_per_s={ReportsPerSecond:0} p99_ms={P99Ms:0} rss_mb={RssMb:0} ") + Costs.Pairs;

    /// <summary>Where the service's time went: the generator's rate, the mean batch and the writer's stages in wall time per report.</summary>
    public string ProfileLine => FormattableString.Invariant($"RESULT published_per_s={PublishedPerSecond:0} batch_mean={(Batches > 0 ? Committed / Batches : 0):0} ")
        + IngestBenchmark.StagePairs(StageUsPerReport)
        + FormattableString.Invariant($" reconnects={Reconnects:0} resent={Resent:0}");

    /// <summary>
    /// The service's broker connections made during the measured span (<c>securedevice_broker_connects_total{result="ok"}</c>):
    /// above 0, the session was lost (for example to the keep-alive while the delivery gate was closed) and the broker
    /// resends what was unacknowledged, which a stalled run's figures then include.
    /// </summary>
    public double Reconnects { get; init; }

    /// <summary>Copies of already-committed reports the broker delivered again in the span (rejected as <c>redelivered</c> or <c>duplicate</c>, never stored twice).</summary>
    public double Resent { get; init; }

    /// <summary>The peaks seen in the service's /metrics during the measured span (<see cref="MemoryPeaks"/>).</summary>
    public MemoryPeaks Memory { get; init; }

    /// <summary>Where the service's memory sat: its managed heap and its two queues at their peaks.</summary>
    public string MemoryLine => "RESULT " + Memory.Pairs;
}

/// <summary>
/// The largest values the service's /metrics showed while the bench polled it: what the garbage collector had committed
/// and its heap at its last collection (the managed share of the resident memory), messages in ingest (received, not
/// yet acknowledged), and items waiting for detection.
/// </summary>
public readonly record struct MemoryPeaks(double GcCommittedBytes, double GcHeapBytes, double IngestQueue, double DetectionItems)
{
    public static MemoryPeaks Of(string metrics) => new(
        IngestBenchmark.MetricDouble(metrics, "securedevice_gc_committed_bytes"),
        IngestBenchmark.MetricDouble(metrics, "securedevice_gc_heap_bytes"),
        IngestBenchmark.MetricDouble(metrics, "securedevice_ingest_queue_depth"),
        IngestBenchmark.MetricDouble(metrics, "securedevice_detection_queue_items"));

    public MemoryPeaks Max(MemoryPeaks other) => new(
        Math.Max(GcCommittedBytes, other.GcCommittedBytes), Math.Max(GcHeapBytes, other.GcHeapBytes),
        Math.Max(IngestQueue, other.IngestQueue), Math.Max(DetectionItems, other.DetectionItems));

    public string Pairs => FormattableString.Invariant(
        $"peak_gc_committed_mb={GcCommittedBytes / 1048576:0} peak_gc_heap_mb={GcHeapBytes / 1048576:0} peak_ingest_queue={IngestQueue:0} peak_detection_items={DetectionItems:0}");
}

/// <summary>The figures of a backlog run: the publish phase (generator and broker alone) and the service's drain.</summary>
public sealed record IngestBacklogResult(
    string Database,
    int Devices,
    long Reports,
    double PublishedPerSecond,
    ProcessCosts PublishCosts,
    double StartupSeconds,
    double DrainSeconds,
    double SteadyReportsPerSecond,
    double RssMb,
    ProcessCosts DrainCosts,
    ProcessCosts SteadyCosts,
    IReadOnlyDictionary<string, double> StageUsPerReport)
{
    /// <summary>The generator's ceiling against the broker alone (the service stopped).</summary>
    public string PublishLine => FormattableString.Invariant($"RESULT mode=backlog-publish published_per_s={PublishedPerSecond:0} ") + PublishCosts.Pairs;

    /// <summary>
    /// The drain: reports/s over the last 90 % of the backlog (the fresh process's start and JIT warm-up left out; its
    /// CPU per report over the same span), then the whole drain from the process start.
    /// </summary>
    public string DrainLine => FormattableString.Invariant($"RESULT mode=backlog-drain reports_per_s={SteadyReportsPerSecond:0} drain_s={DrainSeconds:0.0} rss_mb={RssMb:0} ") + SteadyCosts.Pairs
        + FormattableString.Invariant($" whole_drain_service_cpu_ms_per_report={DrainCosts.ServiceMs:0.000} ")
        + IngestBenchmark.StagePairs(StageUsPerReport);
}

/// <summary>
/// <c>securedevice bench ingest</c>: a throwaway fleet (<see cref="IngestLab"/>: PKI, the reference broker in
/// mosquitto, every bench device in the dynamic-security file it starts with), <see cref="IngestBenchmarkOptions.Devices"/>
/// virtual devices publishing health reports made by the device's own encoder at QoS 1 over mutual TLS
/// (<see cref="LoadGenerator"/>), and one <c>securedevice service</c> process (so that its memory and CPU are its own,
/// read from /proc, as are the broker's and this generator's). Latency: the service's
/// <c>securedevice_ingest_stored_total{kind="health"}</c> is polled every 100 ms; the k-th report committed is matched
/// with the k-th report published (the broker delivers one subscriber's queue in order), so the k-th latency is the
/// first poll that saw k commits minus the k-th publish time (exact to the poll interval when delivery is in publish
/// order). Every report must be committed exactly once, or the run fails. The service runs with device limits raised:
/// each virtual device sends far faster than the firmware does.
/// </summary>
public static class IngestBenchmark
{
    // Every poll makes the service render /metrics (prometheus-net also refreshes its .NET statistics then): at 20 ms that
    // was 13 % of the service's CPU in a profile, so the bench polls every 100 ms (latency exact to 0.1 s).
    private const int PollMs = 100;

    private const string StoredSeries = "securedevice_ingest_stored_total{kind=\"health\"}";

    /// <summary>The live run (<see cref="IngestBenchmarkOptions.Backlog"/> 0).</summary>
    public static async Task<IngestBenchmarkResult> RunAsync(IngestBenchmarkOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        await using BenchFleet fleet = await BenchFleet.StartAsync(options, progress, cancellationToken).ConfigureAwait(false);
        Uri address = fleet.Address;
        ServiceProcess service = fleet.Service!;
        if (options.WarmupSeconds > 0)
        {
            long warm = (long)Math.Max(options.Rate, 10_000) * options.WarmupSeconds;
            long before = await StoredAsync(address, cancellationToken).ConfigureAwait(false);
            LoadGenerator warming = LoadGenerator.Prepare(fleet.Connections, (int)Math.Min(warm, IngestBenchmarkOptions.MaxReports), 1, options.Window);
            await warming.RunAsync(options.Rate, new long[warming.Count], cancellationToken).ConfigureAwait(false);
            await WaitStoredAsync(address, before + warming.Count, options.DrainTimeout, "the warm-up's " + warming.Count + " reports", cancellationToken).ConfigureAwait(false);
            progress(warming.Count + " warm-up reports committed");
        }

        long total = options.MeasuredReports;
        LoadGenerator generator = LoadGenerator.Prepare(fleet.Connections, (int)total, 2, options.Window);
        progress(total + " reports encoded; publishing " + (options.Rate > 0 ? options.Rate + "/s" : "as fast as the broker acknowledges") + ", window " + options.Window + " per connection");
        long baseline = await StoredAsync(address, cancellationToken).ConfigureAwait(false);
        string metricsBefore = await MetricsAsync(address, cancellationToken).ConfigureAwait(false);
        long[] published = new long[total];
        var samples = new List<(long At, long Count)>();
        var loads = new List<double>();
        long peakRss = 0;
        var memory = default(MemoryPeaks);
        using var stopPolling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task poller = Task.Run(async () =>
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            while (!stopPolling.IsCancellationRequested)
            {
                string scraped = await client.GetStringAsync(new Uri(address, "metrics"), stopPolling.Token).ConfigureAwait(false);
                long count = MetricValue(scraped, StoredSeries) - baseline;
                long at = Stopwatch.GetTimestamp();
                lock (samples)
                {
                    samples.Add((at, count));
                    loads.Add(ProcessFigures.LoadAverage());
                    memory = memory.Max(MemoryPeaks.Of(scraped));
                }

                peakRss = Math.Max(peakRss, ProcessFigures.ResidentBytes(service.Id));
                if (count >= total)
                {
                    return;
                }

                await Task.Delay(PollMs, stopPolling.Token).ConfigureAwait(false);
            }
        }, stopPolling.Token);

        CpuSnapshot cpuBefore = fleet.Cpu();
        long publishStart = Stopwatch.GetTimestamp();
        await generator.RunAsync(options.Rate, published, cancellationToken).ConfigureAwait(false);
        double publishSeconds = Stopwatch.GetElapsedTime(publishStart).TotalSeconds;
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

        CpuSnapshot cpuAfter = fleet.Cpu();
        peakRss = Math.Max(peakRss, ProcessFigures.PeakResidentBytes(service.Id));
        await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
        long committed = await StoredAsync(address, cancellationToken).ConfigureAwait(false) - baseline;
        if (committed != total)
        {
            throw new InvalidOperationException(total + " reports published but " + committed + " committed" + (finished == poller ? " (more than once)" : " within the drain timeout")
                + "; " + await NonZeroCountersAsync(address, cancellationToken).ConfigureAwait(false) + "; service output: " + Tail(service.Output));
        }

        (long At, long Count)[] series;
        double load;
        lock (samples)
        {
            series = samples.ToArray();
            load = loads.Count > 0 ? loads.Average() : ProcessFigures.LoadAverage();
        }

        double[] latencies = Latencies(published, series);
        long lastCommit = series.First(s => s.Count >= total).At;
        double elapsed = (lastCommit - published.Min()) / (double)Stopwatch.Frequency;
        string metrics = await MetricsAsync(address, cancellationToken).ConfigureAwait(false);
        double Delta(string name) => MetricDouble(metrics, name) - MetricDouble(metricsBefore, name);
        IReadOnlyDictionary<string, double> stages = Stages(metricsBefore, metrics, total);
        return new IngestBenchmarkResult(fleet.DatabaseName, options.Devices, options.Rate, total, total / publishSeconds, committed, total / elapsed,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies[^1], peakRss / (1024.0 * 1024.0), (cpuAfter.Service - cpuBefore.Service) / elapsed,
            fleet.DatabaseBytes(), cpuAfter.PerReport(cpuBefore, total, load), Delta("securedevice_ingest_batch_messages_count"), stages)
        {
            Memory = memory,
            Reconnects = Delta("securedevice_broker_connects_total{result=\"ok\"}"),
            Resent = Delta("securedevice_ingest_rejected_total{reason=\"redelivered\"}") + Delta("securedevice_ingest_rejected_total{reason=\"duplicate\"}"),
        };
    }

    /// <summary>The backlog run (<see cref="IngestBenchmarkOptions.Backlog"/> reports): publish with the service stopped, then time the drain.</summary>
    public static async Task<IngestBacklogResult> RunBacklogAsync(IngestBenchmarkOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        await using BenchFleet fleet = await BenchFleet.StartAsync(options, progress, cancellationToken).ConfigureAwait(false);
        int total = options.Backlog;
        LoadGenerator generator = LoadGenerator.Prepare(fleet.Connections, total, 1, options.Window);
        // The service's session and subscription exist now (it was ready once); a kill -9 keeps them at the broker, which
        // queues every report for the session until an instance connects again (docs/service.md, "Ack after commit").
        fleet.Service!.KillHard();
        progress("service stopped (kill -9); its session queues at the broker");
        double loadBefore = ProcessFigures.LoadAverage();
        CpuSnapshot publishBefore = fleet.Cpu();
        long publishStart = Stopwatch.GetTimestamp();
        await generator.RunAsync(0, new long[total], cancellationToken).ConfigureAwait(false);
        double publishSeconds = Stopwatch.GetElapsedTime(publishStart).TotalSeconds;
        ProcessCosts publishCosts = fleet.Cpu().PerReport(publishBefore, total, (loadBefore + ProcessFigures.LoadAverage()) / 2);
        progress(total + " reports published in " + publishSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s with the service stopped");

        long started = Stopwatch.GetTimestamp();
        CpuSnapshot drainBefore = fleet.Cpu();
        Uri address = await fleet.StartServiceAsync(cancellationToken).ConfigureAwait(false);
        double startup = Stopwatch.GetElapsedTime(started).TotalSeconds;
        ServiceProcess service = fleet.Service!;
        TimeSpan timeout = TimeSpan.FromSeconds(Math.Max(options.DrainTimeout.TotalSeconds, total / 500.0));
        long tenth = total / 10;
        long steadyAt = 0;
        long steadyCount = -1;
        CpuSnapshot steadyCpu = default;
        string steadyMetrics = string.Empty;
        var loads = new List<double>();
        long peakRss = 0;
        long count = 0;
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        while (count < total)
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new InvalidOperationException("the backlog of " + total + " reports was not drained within " + timeout.TotalSeconds + " s (" + count + " committed); "
                    + await NonZeroCountersAsync(address, cancellationToken).ConfigureAwait(false) + "; service output: " + Tail(service.Output));
            }

            await Task.Delay(PollMs, cancellationToken).ConfigureAwait(false);
            count = await StoredAsync(client, address, cancellationToken).ConfigureAwait(false);
            loads.Add(ProcessFigures.LoadAverage());
            peakRss = Math.Max(peakRss, ProcessFigures.ResidentBytes(service.Id));
            if (steadyCount < 0 && count >= tenth)
            {
                steadyAt = Stopwatch.GetTimestamp();
                steadyCpu = fleet.Cpu();
                steadyCount = count;
                steadyMetrics = await MetricsAsync(address, cancellationToken).ConfigureAwait(false);
            }
        }

        long done = Stopwatch.GetTimestamp();
        CpuSnapshot drainAfter = fleet.Cpu();
        peakRss = Math.Max(peakRss, ProcessFigures.PeakResidentBytes(service.Id));
        await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
        long committed = await StoredAsync(address, cancellationToken).ConfigureAwait(false);
        if (committed != total)
        {
            throw new InvalidOperationException(total + " reports queued but " + committed + " committed (more than once); service output: " + Tail(service.Output));
        }

        IReadOnlyDictionary<string, double> stages = Stages(steadyMetrics, await MetricsAsync(address, cancellationToken).ConfigureAwait(false), total - steadyCount);
        double load = loads.Average();
        double steadySeconds = (done - steadyAt) / (double)Stopwatch.Frequency;
        return new IngestBacklogResult(fleet.DatabaseName, options.Devices, total, total / publishSeconds, publishCosts, startup,
            (done - started) / (double)Stopwatch.Frequency, steadySeconds > 0 ? (total - steadyCount) / steadySeconds : 0, peakRss / (1024.0 * 1024.0),
            drainAfter.PerReport(drainBefore, total, load), drainAfter.PerReport(steadyCpu, total - steadyCount, load), stages);
    }

    /// <summary><c>judge_us_per_report=… commit_us_per_report=…</c> for a RESULT line.</summary>
    public static string StagePairs(IReadOnlyDictionary<string, double> stages) =>
        string.Join(" ", stages.Select(s => FormattableString.Invariant($"{s.Key}_us_per_report={s.Value:0.0}")));

    /// <summary>The writer's wall time per report in each stage (<c>securedevice_ingest_stage_seconds_total</c>) between two scrapes, in µs.</summary>
    private static IReadOnlyDictionary<string, double> Stages(string before, string after, long reports) =>
        new[] { "judge", "commit", "ack", "report" }.ToDictionary(s => s, s =>
        {
            string name = "securedevice_ingest_stage_seconds_total{stage=\"" + s + "\"}";
            return (MetricDouble(after, name) - MetricDouble(before, name)) * 1e6 / Math.Max(1, reports);
        });

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
        return MetricValue(metrics, StoredSeries);
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

    private static async Task WaitStoredAsync(Uri address, long target, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        while (await StoredAsync(address, cancellationToken).ConfigureAwait(false) < target)
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException(what + " were not all committed within " + timeout.TotalSeconds + " s");
            }

            await Task.Delay(PollMs, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The service's non-zero counters (what it refused, and why), for a failed run's one line.</summary>
    private static async Task<string> NonZeroCountersAsync(Uri address, CancellationToken cancellationToken)
    {
        string metrics = await MetricsAsync(address, cancellationToken).ConfigureAwait(false);
        return string.Join(", ", metrics.Split('\n')
            .Where(l => l.StartsWith("securedevice_", StringComparison.Ordinal) && !l.Contains("_bucket{", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal)));
    }

    private static string Tail(string output) => output[^Math.Min(1000, output.Length)..];
}
