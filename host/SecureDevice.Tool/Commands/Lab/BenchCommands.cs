using System;
using System.CommandLine;
using System.ComponentModel;
using System.Globalization;
using System.Net.Http;
using System.Threading;
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
        var rate = new Option<string>("--rate") { Description = "Reports per second offered, all devices together, 1.." + IngestBenchmarkOptions.MaxRate + " (default 10000)." };
        var seconds = new Option<string>("--seconds") { Description = "Seconds of load, 1.." + IngestBenchmarkOptions.MaxSeconds + " (default 30)." };
        var warmup = new Option<string>("--warmup-seconds") { Description = "Seconds of load offered and committed before the measured run (JIT warm-up of the fresh service process), 0.." + IngestBenchmarkOptions.MaxSeconds + " (default 0)." };
        var database = new Option<string>("--database") { Description = "postgres://USER[:PASSWORD]@HOST[:PORT]/DB (an empty database); default SQLite in a temporary folder." };
        var throwaway = new Option<bool>("--throwaway-postgres") { Description = "Start a throwaway PostgreSQL cluster (initdb, durable defaults) for the run." };
        var command = new Command("ingest", "Devices publish real health reports over mutual TLS through mosquitto to one 'securedevice service' process: reports/s, p99 publish-to-commit, service RSS.")
        {
            devices, rate, seconds, warmup, database, throwaway,
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

            var options = new IngestBenchmarkOptions
            {
                Devices = result.GetValue(devices) is string d ? CliParsing.Between(d, "--devices", 1, IngestBenchmarkOptions.MaxDevices) : 1000,
                Rate = result.GetValue(rate) is string r ? CliParsing.Between(r, "--rate", 1, IngestBenchmarkOptions.MaxRate) : 10_000,
                Seconds = result.GetValue(seconds) is string s ? CliParsing.Between(s, "--seconds", 1, IngestBenchmarkOptions.MaxSeconds) : 30,
                WarmupSeconds = result.GetValue(warmup) is string w ? CliParsing.Between(w, "--warmup-seconds", 0, IngestBenchmarkOptions.MaxSeconds) : 0,
                DatabaseUrl = url,
                ThrowawayPostgres = result.GetValue(throwaway),
            };
            console.Line(FormattableString.Invariant($"bench ingest: {options.Devices} devices, {options.Rate} reports/s offered for {options.Seconds} s"));
            IngestBenchmarkResult run;
            try
            {
                run = IngestBenchmark.RunAsync(options, line => console.Line("  " + line), CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (Exception failure) when (failure is InvalidOperationException or TimeoutException or HttpRequestException or Win32Exception)
            {
                console.ErrorLine("securedevice: bench ingest failed: " + failure.Message);
                return ExitCodes.Failed;
            }

            console.Line(FormattableString.Invariant($"database {run.Database}: {run.Committed} of {run.Published} reports committed once; published at {run.PublishedPerSecond:0}/s"));
            console.Line(FormattableString.Invariant($"publish to commit: p50 {run.P50Ms:0} ms, p99 {run.P99Ms:0} ms, max {run.MaxMs:0} ms"));
            console.Line(FormattableString.Invariant($"service process: peak RSS {run.RssMb:0} MB, CPU {run.CpuCores:0.00} cores")
                + (run.DatabaseBytes >= 0 ? ", database " + (run.DatabaseBytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MiB" : string.Empty));
            console.Line("targets: >= 10000 reports/s, p99 <= 1000 ms, RSS <= 300 MB");
            console.Line(run.ResultLine);
            console.Line(run.ProfileLine);
            return ExitCodes.Ok;
        });
        return command;
    }
}
