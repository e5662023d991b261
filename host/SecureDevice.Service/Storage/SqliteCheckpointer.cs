using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Monitoring;

namespace SecureDevice.Service.Storage;

/// <summary>How one checkpoint ended.</summary>
public enum CheckpointStatus
{
    /// <summary>Every frame of the write-ahead log is in the database file: the next write transaction starts the log over.</summary>
    Complete,

    /// <summary>
    /// Some frames stayed in the log: a reader still used them, or a writer appended meanwhile (a passive checkpoint
    /// never waits for either). The next checkpoint carries on.
    /// </summary>
    Partial,

    /// <summary>The checkpoint failed (its connection, the disk); the next one opens a fresh connection.</summary>
    Failed,
}

/// <summary>One checkpoint's outcome: the frames in the log and the frames copied to the database file so far (-1: unknown).</summary>
public readonly record struct CheckpointResult(CheckpointStatus Status, long LogFrames, long CheckpointedFrames, string Detail);

/// <summary>
/// Moves SQLite's write-ahead log into the database file off the ingest writer's path (docs/scale.md, "Tenth round").
/// By default SQLite checkpoints inside the commit that takes the log past 1,000 pages, so every few batches one commit
/// also copied and synced megabytes of pages to the database file, and the ingest queue grew behind it. Here the
/// writer's connections checkpoint only past <see cref="SqliteDialect.WriterCheckpointPages"/> (a safety net if this
/// loop falls behind or is not running), and this loop runs a passive checkpoint (it never blocks a writer or waits for
/// a reader) every <see cref="Interval"/> on its own connection. Durability is unchanged: a commit is durable once its
/// frames are synced in the log (synchronous=FULL), whoever later copies them.
/// </summary>
public sealed class SqliteCheckpointer
{
    /// <summary>How often the loop checkpoints.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly SqliteDialect _dialect;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private DbConnection? _connection;

    public SqliteCheckpointer(SqliteDialect dialect, ServiceMetrics metrics, ILogger log, TimeProvider time)
    {
        _dialect = dialect;
        _metrics = metrics;
        _log = log;
        _time = time;
    }

    /// <summary>Checkpoints every <see cref="Interval"/> until cancelled; a failure is counted and logged once per run of failures.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        bool failing = false;
        try
        {
            while (true)
            {
                await Task.Delay(Interval, _time, cancellationToken).ConfigureAwait(false);
                CheckpointResult result = await CheckpointAsync(cancellationToken).ConfigureAwait(false);
                if (result.Status == CheckpointStatus.Failed && !failing)
                {
                    _log.LogWarning("SQLite checkpoint failed (the writers checkpoint themselves past {Pages} pages): {Error}", SqliteDialect.WriterCheckpointPages, result.Detail);
                }

                failing = result.Status == CheckpointStatus.Failed;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await CloseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>One passive checkpoint (never throws but for cancellation): counted in the metrics by status.</summary>
    public async Task<CheckpointResult> CheckpointAsync(CancellationToken cancellationToken)
    {
        CheckpointResult result;
        try
        {
            _connection ??= await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
            using DbCommand command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException("wal_checkpoint returned no row");
            }

            // (busy, frames in the log, frames checkpointed); -1, -1 when the database is not in WAL mode.
            long busy = reader.GetInt64(0);
            long log = reader.GetInt64(1);
            long done = reader.GetInt64(2);
            CheckpointStatus status = busy == 0 && log >= 0 && done == log ? CheckpointStatus.Complete : CheckpointStatus.Partial;
            result = new CheckpointResult(status, log, done, string.Empty);
            _metrics.SqliteWalFrames.Set(Math.Max(0, log - done));
        }
        catch (Exception error) when (error is SqliteException or InvalidOperationException or System.IO.IOException)
        {
            await CloseAsync().ConfigureAwait(false);
            result = new CheckpointResult(CheckpointStatus.Failed, -1, -1, Printable.Escape(error.Message));
        }

        _metrics.SqliteCheckpoints.WithLabels(result.Status.ToString().ToLowerInvariant()).Inc();
        return result;
    }

    private async Task CloseAsync()
    {
        if (_connection != null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }
}
