using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Postgres;

namespace SecureDevice.Lab.Ingest;

/// <summary>CPU seconds so far of the service, the broker and this process (the load generator), from /proc.</summary>
public readonly record struct CpuSnapshot(double Service, double Broker, double Generator, (long Busy, long Steal, long Total) Machine)
{
    /// <summary>Milliseconds of CPU per report of each process since <paramref name="before"/>, and the machine's busy and stolen shares.</summary>
    public ProcessCosts PerReport(CpuSnapshot before, long reports, double loadAverage)
    {
        double per = 1000.0 / Math.Max(1, reports);
        long total = Machine.Total - before.Machine.Total;
        double Share(long ticks) => total > 0 ? 100.0 * ticks / total : 0;
        return new ProcessCosts((Service - before.Service) * per, (Broker - before.Broker) * per, (Generator - before.Generator) * per, loadAverage)
        {
            MachineBusyPercent = Share(Machine.Busy - before.Machine.Busy),
            StealPercent = Share(Machine.Steal - before.Machine.Steal),
        };
    }
}

/// <summary>
/// The ingest benchmark's setup, torn down on dispose: a throwaway PKI with the bench devices enrolled before the broker
/// starts (so the broker's dynamic-security file holds them: no registration round trips), mosquitto, optionally a
/// throwaway PostgreSQL cluster, every device connected over mutual TLS, and one service process. Every wait is a
/// readiness poll under one deadline (<see cref="IngestBenchmarkOptions.SetupTimeout"/>), and a setup that does not
/// finish fails with one line naming the step.
/// </summary>
internal sealed class BenchFleet : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;
    private readonly IngestBenchmarkOptions _options;
    private readonly List<RawDeviceConnection> _connections = new();
    private PostgresCluster? _cluster;
    private IngestLab? _lab;
    private string[] _arguments = Array.Empty<string>();

    private BenchFleet(IngestBenchmarkOptions options)
    {
        _options = options;
        _folder = Directory.CreateTempSubdirectory("securedevice-bench-");
    }

    public IReadOnlyList<RawDeviceConnection> Connections => _connections;

    public ServiceProcess? Service { get; private set; }

    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    public string? DatabaseUrl { get; private set; }

    public string DatabaseName => DatabaseUrl == null ? "sqlite" : "postgres";

    public static async Task<BenchFleet> StartAsync(IngestBenchmarkOptions options, Action<string> progress, CancellationToken cancellationToken)
    {
        var fleet = new BenchFleet(options);
        try
        {
            await fleet.SetUpAsync(progress, cancellationToken).ConfigureAwait(false);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a service process on the fleet's broker and database and waits until /health/ready answers.</summary>
    public async Task<Uri> StartServiceAsync(CancellationToken cancellationToken)
    {
        Service?.Dispose();
        Service = ServiceProcess.Start(_arguments);
        try
        {
            Address = await Service.ReadyAsync(_options.SetupTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException("setup: the service was not ready within " + _options.SetupTimeout.TotalSeconds + " s; its last output: " + Last(Service.Output, 600));
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Address;
    }

    public CpuSnapshot Cpu() => new(
        Service == null ? 0 : ProcessFigures.CpuSeconds(Service.Id).Seconds,
        _lab == null ? 0 : ProcessFigures.CpuSeconds(_lab.Broker.ProcessId).Seconds,
        ProcessFigures.CpuSeconds(Environment.ProcessId).Seconds,
        ProcessFigures.MachineTicks());

    /// <summary>Bytes of the SQLite files (-1 for PostgreSQL).</summary>
    public long DatabaseBytes() =>
        DatabaseUrl != null || _lab == null ? -1 : Directory.EnumerateFiles(_lab.Data, "*", SearchOption.TopDirectoryOnly).Sum(f => new FileInfo(f).Length);

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_connections.Select(c => c.DisposeAsync().AsTask())).ConfigureAwait(false);
        Service?.Dispose();
        _lab?.Dispose();
        _cluster?.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task SetUpAsync(Action<string> progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        DateTime deadline = DateTime.UtcNow + _options.SetupTimeout;
        IReadOnlyList<EnrolledDevice> devices = Array.Empty<EnrolledDevice>();
        try
        {
            _lab = IngestLab.Create(Path.Combine(_folder.FullName, "lab"), pki => devices = DeviceEnrollment.Enroll(pki,
                Enumerable.Range(1, _options.Devices).Select(i => "bench-" + i.ToString("D5", CultureInfo.InvariantCulture)).ToList(),
                id => "customer-" + (int.Parse(id.AsSpan(6), CultureInfo.InvariantCulture) % 10).ToString(CultureInfo.InvariantCulture), DateTimeOffset.UtcNow),
                _options.SetupTimeout, _options.RefusalCounter is string plugin ? new IngestLabBroker(plugin) : null);
        }
        catch (InvalidOperationException error)
        {
            throw new InvalidOperationException("setup: the broker did not start within " + _options.SetupTimeout.TotalSeconds + " s: " + Last(error.Message, 400));
        }

        progress(_options.Devices + " devices enrolled, broker running in " + Seconds(watch));
        DatabaseUrl = _options.DatabaseUrl;
        if (_options.ThrowawayPostgres)
        {
            _cluster = PostgresCluster.Start(durable: true);
            DatabaseUrl = await _cluster.CreateDatabaseAsync("bench", cancellationToken).ConfigureAwait(false);
        }

        var arguments = new List<string>
        {
            "--pki", _lab.Pki.Folder, "--data", _lab.Data, "--broker", "localhost:" + _lab.Port.ToString(CultureInfo.InvariantCulture), "--listen", "127.0.0.1:0", "--quiet",
            "--device-burst", "1000000", "--device-rate", "2000000000",
        };
        if (DatabaseUrl != null)
        {
            arguments.Add("--database");
            arguments.Add(DatabaseUrl);
        }

        if (_options.DetectionFeedDatabase)
        {
            arguments.Add("--detection-feed");
            arguments.Add("database");
        }

        _arguments = arguments.ToArray();
        watch.Restart();
        await StartServiceAsync(cancellationToken).ConfigureAwait(false);
        progress("service ready at " + Address + " (" + (DatabaseUrl == null ? "SQLite" : "PostgreSQL") + ") in " + Seconds(watch));

        watch.Restart();
        using (var gate = new SemaphoreSlim(32))
        {
            RawDeviceConnection[] connected = await Task.WhenAll(devices.Select(async d =>
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    return await ConnectAsync(d, deadline, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            })).ConfigureAwait(false);
            _connections.AddRange(connected);
        }

        progress(_options.Devices + " devices connected over mutual TLS in " + Seconds(watch));
    }

    /// <summary>Connects one device, again after each failure (a loaded broker times TLS handshakes out) until the setup deadline.</summary>
    private async Task<RawDeviceConnection> ConnectAsync(EnrolledDevice device, DateTime deadline, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await RawDeviceConnection.ConnectAsync(device, "localhost", _lab!.Port, _lab.Root, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException("setup: device " + device.Id + " could not connect to the broker within " + _options.SetupTimeout.TotalSeconds + " s ("
                        + attempt + " attempts): " + Last(error.Message, 300));
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static string Seconds(Stopwatch watch) => watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";

    private static string Last(string text, int characters) => text.Length <= characters ? text : "..." + text[^characters..];
}
