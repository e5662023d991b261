using System;
using System.Data.Common;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Storage;

/// <summary>The background checkpoint of SQLite's write-ahead log (docs/scale.md, "Tenth round").</summary>
public sealed class SqliteCheckpointerTests : IDisposable
{
    private const long T0 = 1_800_000_000_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly TemporaryDirectory _folder = new("checkpoint");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Open_EveryConnection_ChecksPointsOnlyPastTheSafetyNet()
    {
        var dialect = new SqliteDialect(_folder.Path);
        await using DbConnection connection = await dialect.OpenAsync(None);
        using DbCommand command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_autocheckpoint";
        Assert.Equal((long)SqliteDialect.WriterCheckpointPages, Convert.ToInt64(await command.ExecuteScalarAsync(None)));
    }

    [Fact]
    public async Task Commit_PastSqlitesDefaultThreshold_LeavesTheFramesForTheCheckpointer()
    {
        var dialect = new SqliteDialect(_folder.Path);
        await using var store = new FleetStore(dialect);
        await store.MigrateAsync(T0, None);
        long before = new FileInfo(dialect.Path).Length;
        // ~1,500 pages of reports: SQLite's default (1,000 pages) would have checkpointed inside one of these commits.
        await CommitReportsAsync(store, 3000, 1500);
        Assert.Equal(before, new FileInfo(dialect.Path).Length);

        var metrics = new ServiceMetrics();
        CheckpointResult result = await new SqliteCheckpointer(dialect, metrics, NullLogger.Instance, TimeProvider.System).CheckpointAsync(None);
        Assert.Equal(CheckpointStatus.Complete, result.Status);
        Assert.True(result.LogFrames > 1000, "frames " + result.LogFrames);
        Assert.Equal(result.LogFrames, result.CheckpointedFrames);
        Assert.True(new FileInfo(dialect.Path).Length > before + (4L << 20), "the reports are in the database file");
        Assert.Equal(1, metrics.SqliteCheckpoints.WithLabels("complete").Value);
        Assert.Equal(0, metrics.SqliteWalFrames.Value);
    }

    [Fact]
    public async Task Checkpoint_WhileAReaderHoldsAnOlderSnapshot_IsPartialThenCompletes()
    {
        var dialect = new SqliteDialect(_folder.Path);
        await using var store = new FleetStore(dialect);
        await store.MigrateAsync(T0, None);
        await CommitReportsAsync(store, 10, 10);
        var metrics = new ServiceMetrics();
        var checkpointer = new SqliteCheckpointer(dialect, metrics, NullLogger.Instance, TimeProvider.System);
        await using (DbConnection reader = await dialect.OpenAsync(None))
        {
            // Deferred: the snapshot is taken by the first read, not by a write lock.
            using SqliteTransaction snapshot = ((SqliteConnection)reader).BeginTransaction(deferred: true);
            using DbCommand read = reader.CreateCommand();
            read.Transaction = snapshot;
            read.CommandText = "SELECT COUNT(*) FROM " + Tables.HealthReports;
            Assert.Equal(10L, Convert.ToInt64(await read.ExecuteScalarAsync(None)));
            await CommitReportsAsync(store, 10, 10, firstSeq: 10);

            CheckpointResult held = await checkpointer.CheckpointAsync(None);
            Assert.Equal(CheckpointStatus.Partial, held.Status);
            Assert.True(held.CheckpointedFrames < held.LogFrames, held.CheckpointedFrames + " of " + held.LogFrames);
            Assert.Equal(held.LogFrames - held.CheckpointedFrames, metrics.SqliteWalFrames.Value);
        }

        Assert.Equal(CheckpointStatus.Complete, (await checkpointer.CheckpointAsync(None)).Status);
        Assert.Equal((1.0, 1.0), (metrics.SqliteCheckpoints.WithLabels("partial").Value, metrics.SqliteCheckpoints.WithLabels("complete").Value));
    }

    [Fact]
    public async Task Checkpoint_DatabaseCannotBeOpened_FailedAndCountedThenRecovers()
    {
        string data = _folder.Combine("data");
        Directory.CreateDirectory(data);
        var dialect = new SqliteDialect(data);
        var metrics = new ServiceMetrics();
        var checkpointer = new SqliteCheckpointer(dialect, metrics, NullLogger.Instance, TimeProvider.System);
        Directory.Delete(data);

        CheckpointResult failed = await checkpointer.CheckpointAsync(None);
        Assert.Equal(CheckpointStatus.Failed, failed.Status);
        Assert.NotEmpty(failed.Detail);
        Assert.Equal(1, metrics.SqliteCheckpoints.WithLabels("failed").Value);

        Directory.CreateDirectory(data);
        Assert.Equal(CheckpointStatus.Complete, (await checkpointer.CheckpointAsync(None)).Status);
    }

    [Fact]
    public async Task Run_UntilCancelled_CheckpointsOnItsIntervalAndEndsQuietly()
    {
        var dialect = new SqliteDialect(_folder.Path);
        await using var store = new FleetStore(dialect);
        await store.MigrateAsync(T0, None);
        var metrics = new ServiceMetrics();
        using var stop = new CancellationTokenSource();
        Task loop = new SqliteCheckpointer(dialect, metrics, NullLogger.Instance, TimeProvider.System).RunAsync(stop.Token);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (metrics.SqliteCheckpoints.WithLabels("complete").Value < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(metrics.SqliteCheckpoints.WithLabels("complete").Value >= 2, "two checkpoints within 20 s");
        stop.Cancel();
        await loop.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Commits <paramref name="count"/> reports of one device in batches of <paramref name="batch"/>, each with a 1,800-byte payload.</summary>
    private static async Task CommitReportsAsync(FleetStore store, int count, int batch, long firstSeq = 0)
    {
        if (firstSeq == 0)
        {
            await store.SyncRegistryAsync(new[] { new RegistryEntry("dev-a", "acme", "0A", new string('a', 64), T0 + 86_400_000L, T0, "active", null) }, T0, None);
        }

        long deviceRef = (await store.ListDevicesAsync(None)).Single().Ref;
        for (int done = 0; done < count; done += batch)
        {
            var rows = new IngestBatch();
            for (int i = done; i < Math.Min(count, done + batch); i++)
            {
                long seq = firstSeq + i;
                rows.Health.Add(new HealthRow(deviceRef, "dev-a", T0 + seq, 1, seq, 60, 1, 3300, 190, 110, 75, 10, 600, -60, 1, 0, 1, 1, new byte[1800]));
            }

            Assert.All((await store.CommitAsync(rows, None)).HealthInserted, Assert.True);
        }
    }
}
