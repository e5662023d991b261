using System;
using System.CommandLine;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Threading;
using SecureDevice.Fleet.Text;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Storage;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands.Lab;

/// <summary><c>securedevice bench ingest</c>: the fleet service's ingest benchmark (docs/scale.md); prints one RESULT line last.</summary>
public static class BenchCommands
{
    public static Command Create(ToolConsole console)
    {
        var bench = new Command("bench", "Benchmarks against real servers started for the run (mosquitto, the service, PostgreSQL).");
        bench.Subcommands.Add(Ingest(console));
        return bench;
    }

    private static Command Ingest(ToolConsole console)
    {
        var devices = new Option<string>("--devices") { Description = "Virtual devices, each with its own certificate and TLS connection, 1.." + IngestBenchmarkOptions.MaxDevices + " (default 1000)." };
        var rate = new Option<string>("--rate") { Description = "Reports per second offered, all devices together, 1.." + IngestBenchmarkOptions.MaxRate + ", or 'max': as fast as the broker acknowledges (default 10000)." };
        var seconds = new Option<string>("--seconds") { Description = "Seconds of load at --rate, 1.." + IngestBenchmarkOptions.MaxSeconds + " (default 30)." };
        var reports = new Option<string>("--reports") { Description = "Reports published with --rate max, 1.." + IngestBenchmarkOptions.MaxReports + " (default 100000)." };
        var window = new Option<string>("--window") { Description = "Unacknowledged QoS 1 publishes per device connection, 1.." + IngestBenchmarkOptions.MaxWindow + " (default 16)." };
        var backlog = new Option<string>("--backlog") { Description = "Backlog run: publish N reports (1.." + IngestBenchmarkOptions.MaxBacklog + ") while the service is stopped, then start it and time the drain." };
        var warmup = new Option<string>("--warmup-seconds") { Description = "Seconds of load offered and committed before the measured run (JIT warm-up of the fresh service process), 0.." + IngestBenchmarkOptions.MaxSeconds + " (default 0)." };
        var database = new Option<string>("--database") { Description = "postgres://USER[:PASSWORD]@HOST[:PORT]/DB (an empty database); default SQLite in a temporary folder." };
        var throwaway = new Option<bool>("--throwaway-postgres") { Description = "Start a throwaway PostgreSQL cluster (initdb, durable defaults) for the run." };
        var feed = new Option<bool>("--detection-feed-database") { Description = "The service feeds detection through the database (--detection-feed database): the feed's cost in the run." };
        var refusal = new Option<string>("--refusal-plugin") { Description = "The broker loads this refusal counter plugin (.so, built by make -C host/broker/refusal-counter) before dynamic security; default none." };
        var command = new Command("ingest", "Devices publish real health reports over mutual TLS through mosquitto to one 'securedevice service' process: reports/s, p99 publish-to-commit, service RSS, CPU per report of service, broker and generator.")
        {
            devices, rate, seconds, reports, window, backlog, warmup, database, throwaway, refusal, feed,
        };
        command.SetAction(result =>
        {
            string? url = result.GetValue(database);
            if (url != null)
            {
                DatabaseUrl.Parse(url);
            }

            if (url != null && result.GetValue(throwaway))
            {
                throw new ToolException("--database and --throwaway-postgres exclude each other");
            }

            string? plugin = result.GetValue(refusal);
            if (plugin != null && !File.Exists(plugin))
            {
                throw new ToolException("--refusal-plugin: no such file: " + Printable.Escape(plugin));
            }

            string? rateText = result.GetValue(rate);
            var options = new IngestBenchmarkOptions
            {
                Devices = result.GetValue(devices) is string d ? CliParsing.Between(d, "--devices", 1, IngestBenchmarkOptions.MaxDevices) : 1000,
                Rate = rateText == "max" ? 0 : rateText != null ? CliParsing.Between(rateText, "--rate", 1, IngestBenchmarkOptions.MaxRate) : 10_000,
                Seconds = result.GetValue(seconds) is string s ? CliParsing.Between(s, "--seconds", 1, IngestBenchmarkOptions.MaxSeconds) : 30,
                Reports = result.GetValue(reports) is string n ? CliParsing.Between(n, "--reports", 1, IngestBenchmarkOptions.MaxReports) : 100_000,
                Window = result.GetValue(window) is string w ? CliParsing.Between(w, "--window", 1, IngestBenchmarkOptions.MaxWindow) : 16,
                Backlog = result.GetValue(backlog) is string b ? CliParsing.Between(b, "--backlog", 1, IngestBenchmarkOptions.MaxBacklog) : 0,
                WarmupSeconds = result.GetValue(warmup) is string u ? CliParsing.Between(u, "--warmup-seconds", 0, IngestBenchmarkOptions.MaxSeconds) : 0,
                DatabaseUrl = url,
                ThrowawayPostgres = result.GetValue(throwaway),
                RefusalCounter = plugin == null ? null : Path.GetFullPath(plugin),
                DetectionFeedDatabase = result.GetValue(feed),
            };
            if (options.MeasuredReports > IngestBenchmarkOptions.MaxReports)
            {
                throw new ToolException(FormattableString.Invariant($"--rate x --seconds must be at most {IngestBenchmarkOptions.MaxReports} reports (every one is encoded before the run)"));
            }

            if (options.Backlog > 0 && options.WarmupSeconds > 0)
            {
                throw new ToolException("--backlog and --warmup-seconds exclude each other (the backlog is drained by a fresh service process)");
            }

            return options.Backlog > 0 ? Backlog(console, options) : Live(console, options);
        });
        return command;
    }

    private static int Live(ToolConsole console, IngestBenchmarkOptions options)
    {
        console.Line(FormattableString.Invariant($"bench ingest: {options.Devices} devices, ")
            + (options.Rate > 0 ? FormattableString.Invariant($"{options.Rate} reports/s offered for {options.Seconds} s") : FormattableString.Invariant($"{options.Reports} reports as fast as the broker acknowledges"))
            + FormattableString.Invariant($", load average {ProcessFigures.LoadAverage():0.0}"));
        if (!TryRun(console, token => IngestBenchmark.RunAsync(options, line => console.Line("  " + line), token), out IngestBenchmarkResult? run))
        {
            return ExitCodes.Failed;
        }

        console.Line(FormattableString.Invariant($"database {run!.Database}: {run.Committed} of {run.Published} reports committed once; published at {run.PublishedPerSecond:0}/s"));
        console.Line(FormattableString.Invariant($"publish to commit: p50 {run.P50Ms:0} ms, p99 {run.P99Ms:0} ms, max {run.MaxMs:0} ms"));
        console.Line(FormattableString.Invariant($"service process: peak RSS {run.RssMb:0} MB, CPU {run.CpuCores:0.00} cores")
            + (run.DatabaseBytes >= 0 ? ", database " + (run.DatabaseBytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB" : string.Empty));
        console.Line(FormattableString.Invariant($"load average {run.Costs.LoadAverage:0.0} (1 min, mean over the run); targets: >= 10000 reports/s, p99 <= 1000 ms, RSS <= 300 MB"));
        console.Line(run.ResultLine);
        console.Line(run.ProfileLine);
        console.Line(run.MemoryLine);
        return ExitCodes.Ok;
    }

    private static int Backlog(ToolConsole console, IngestBenchmarkOptions options)
    {
        console.Line(FormattableString.Invariant($"bench ingest: {options.Devices} devices, backlog of {options.Backlog} reports, load average {ProcessFigures.LoadAverage():0.0}"));
        if (!TryRun(console, token => IngestBenchmark.RunBacklogAsync(options, line => console.Line("  " + line), token), out IngestBacklogResult? run))
        {
            return ExitCodes.Failed;
        }

        console.Line(FormattableString.Invariant($"database {run!.Database}: {run.Reports} queued reports committed once; service ready after {run.StartupSeconds:0.0} s, drained after {run.DrainSeconds:0.0} s, peak RSS {run.RssMb:0} MB"));
        console.Line(run.PublishLine);
        console.Line(run.DrainLine);
        return ExitCodes.Ok;
    }

    private static bool TryRun<T>(ToolConsole console, Func<CancellationToken, System.Threading.Tasks.Task<T>> run, out T? result)
        where T : class
    {
        // Ctrl-C or SIGTERM cancels the run, so that its broker and service processes and its folder are disposed of:
        // the default exit runs no finally block and left both processes running. A second signal exits at once.
        using var interrupted = new CancellationTokenSource();
        Action<PosixSignalContext> onSignal = signal =>
        {
            if (!interrupted.IsCancellationRequested)
            {
                signal.Cancel = true;
                interrupted.Cancel();
            }
        };
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, onSignal);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, onSignal);
        try
        {
            result = run(interrupted.Token).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            console.ErrorLine("securedevice: bench ingest interrupted; its broker and service were stopped");
            result = null;
            return false;
        }
        catch (Exception failure) when (failure is InvalidOperationException or TimeoutException or HttpRequestException or Win32Exception or IOException or SecureDevice.Fleet.FleetException)
        {
            // One line: the bench's messages carry the step that failed; a service's output in them is clipped.
            string message = failure.Message.Length > 1500 ? failure.Message[..1500] + "..." : failure.Message;
            console.ErrorLine("securedevice: bench ingest failed: " + message);
            result = null;
            return false;
        }
    }
}
