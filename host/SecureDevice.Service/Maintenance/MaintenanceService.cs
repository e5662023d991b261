using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Maintenance;

/// <summary>
/// The periodic work that keeps storage bounded and the service's own figures current: hourly roll-ups of every
/// complete hour (idempotent: an hour is recomputed from the raw rows), retention (raw reports are pruned only once
/// their hour is rolled up), the database size, and the daily storage/bandwidth/compute summary of this instance.
/// </summary>
public sealed class MaintenanceService
{
    /// <summary>service_state row: the first hour not yet rolled up (Unix ms).</summary>
    public const string RollUpState = "rollup_next_hour_ms";

    /// <summary>An hour is rolled up this long after it ended: its last batch has committed by then.</summary>
    public static readonly TimeSpan RollUpGrace = TimeSpan.FromMinutes(2);

    private readonly IFleetStore _store;
    private readonly RetentionPolicy _retention;
    private readonly ServiceMetrics _metrics;
    private readonly string _instance;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private (double Messages, double Bytes, double Reports, double Events, double Rejected, TimeSpan Cpu) _flushed;

    public MaintenanceService(IFleetStore store, RetentionPolicy retention, ServiceMetrics metrics, string instance, ILogger log, TimeProvider time)
    {
        _store = store;
        _retention = retention;
        _metrics = metrics;
        _instance = instance;
        _log = log;
        _time = time;
        _flushed.Cpu = Process.GetCurrentProcess().TotalProcessorTime;
    }

    /// <summary>Runs every <paramref name="interval"/> until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        // A last summary so a clean stop loses none of the day's figures.
        using var final = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await Step("summary", () => FlushSummaryAsync(final.Token)).ConfigureAwait(false);
    }

    /// <summary>One round: size, roll-ups, retention, summary. Each task's failure is logged and counted; the others run.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await Step("size", async () =>
        {
            _metrics.DatabaseBytes.Set(await _store.DatabaseBytesAsync(cancellationToken).ConfigureAwait(false));
            _metrics.RawRows.Set(await _store.CountHealthAsync(cancellationToken).ConfigureAwait(false));
        }).ConfigureAwait(false);
        long rolledUpTo = 0;
        await Step("rollup", async () => rolledUpTo = await RollUpAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        await Step("retention", async () =>
        {
            if (rolledUpTo > 0)
            {
                IReadOnlyDictionary<string, long> deleted = await _store.PruneAsync(_retention, _time.GetUtcNow().ToUnixTimeMilliseconds(), rolledUpTo, cancellationToken).ConfigureAwait(false);
                foreach (var (table, rows) in deleted)
                {
                    if (rows > 0)
                    {
                        _log.LogInformation("retention: {Rows} rows deleted from {Table}", rows, table);
                    }
                }
            }
        }).ConfigureAwait(false);
        await Step("summary", () => FlushSummaryAsync(cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Rolls up every complete hour not rolled up yet; returns the first hour not rolled up.</summary>
    public async Task<long> RollUpAsync(CancellationToken cancellationToken)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long lastComplete = FleetStore.Hour(now - (long)RollUpGrace.TotalMilliseconds) - 3_600_000;
        long? next = await _store.GetStateAsync(RollUpState, cancellationToken).ConfigureAwait(false);
        long hour = next ?? (await _store.OldestHealthMsAsync(cancellationToken).ConfigureAwait(false) is long oldest ? FleetStore.Hour(oldest) : lastComplete + 3_600_000);
        for (; hour <= lastComplete && !cancellationToken.IsCancellationRequested; hour += 3_600_000)
        {
            await _store.RollUpHourAsync(hour, cancellationToken).ConfigureAwait(false);
            await _store.SetStateAsync(RollUpState, hour + 3_600_000, cancellationToken).ConfigureAwait(false);
        }

        return hour;
    }

    /// <summary>Adds what this instance did since the last flush to today's row.</summary>
    public async Task FlushSummaryAsync(CancellationToken cancellationToken)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        using Process process = Process.GetCurrentProcess();
        var current = (_metrics.Received.Value, _metrics.ReceivedBytes.Value, _metrics.Stored.WithLabels("health").Value,
            _metrics.Stored.WithLabels("event").Value + _metrics.Stored.WithLabels("presence").Value, RejectedTotal(), process.TotalProcessorTime);
        var delta = new DailySummary(now - (now % 86_400_000), _instance, (long)(current.Item1 - _flushed.Messages), (long)(current.Item2 - _flushed.Bytes),
            (long)(current.Item3 - _flushed.Reports), (long)(current.Item4 - _flushed.Events), (long)(current.Item5 - _flushed.Rejected),
            (long)(current.Item6 - _flushed.Cpu).TotalMilliseconds, process.PeakWorkingSet64, (long)_metrics.DatabaseBytes.Value, (long)_metrics.RawRows.Value, now);
        await _store.AddDailyAsync(delta, cancellationToken).ConfigureAwait(false);
        _flushed = current;
    }

    private double RejectedTotal()
    {
        double total = 0;
        foreach (IngestReason reason in IngestReasons.All)
        {
            total += _metrics.Rejected.WithLabels(reason.Code()).Value;
        }

        return total;
    }

    private async Task Step(string task, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
            _metrics.MaintenanceRuns.WithLabels(task, "ok").Inc();
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            _metrics.MaintenanceRuns.WithLabels(task, "failed").Inc();
            _log.LogWarning("maintenance task {Task} failed: {Error}", task, Printable.Escape(error.GetType().Name + ": " + error.Message));
        }
        catch (OperationCanceledException)
        {
        }
    }
}
