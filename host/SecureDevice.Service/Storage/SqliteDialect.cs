using System;
using System.Collections.Generic;
using System.Data.Common;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace SecureDevice.Service.Storage;

/// <summary>
/// SQLite in one file (<c>fleet.db</c> in the data folder), write-ahead log, <c>synchronous=FULL</c>: a transaction is
/// on disk when Commit returns, so an acknowledgement sent after it survives a crash of the process or of the machine.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    /// <summary>The database file's name in the data folder.</summary>
    public const string FileName = "fleet.db";

    private readonly string _connectionString;

    public SqliteDialect(string dataFolder)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetFullPath(dataFolder), FileName);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public override string Name => "sqlite";

    public override string Description => "sqlite " + Path;

    protected override string PrimaryKeyType => "INTEGER PRIMARY KEY";

    protected override string IntegerType => "INTEGER";

    protected override string BlobType => "BLOB";

    protected override string RealType => "REAL";

    public override string AppendOnlyTrigger(string table) =>
        "CREATE TRIGGER tr_" + table + "_append_only_update BEFORE UPDATE ON " + table + " BEGIN SELECT RAISE(ABORT, '" + table + " is append-only'); END;\n"
        + "CREATE TRIGGER tr_" + table + "_append_only_delete BEFORE DELETE ON " + table + " BEGIN SELECT RAISE(ABORT, '" + table + " is append-only'); END;";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        CreateOwnerOnly(Path); // before SQLite creates it 0644 (its -wal and -shm files take the database's mode)
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using SqliteCommand pragma = connection.CreateCommand();
            // WAL persists in the file; synchronous and busy_timeout are per connection.
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA temp_store=MEMORY;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Microsoft.Data.Sqlite begins transactions with BEGIN IMMEDIATE: the write lock is held from the start.
    public override Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task<bool[]> InsertHealthAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<HealthRow> rows, CancellationToken cancellationToken)
    {
        var inserted = new bool[rows.Count];
        if (rows.Count == 0)
        {
            return inserted;
        }

        using DbCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {Tables.HealthReports} (device_ref, received_ms, boot, seq, uptime_s, boot_reason, supply_mv, heap_free_kib, managed_free_kib, "
            + "bytes_up, bytes_down, wire_bytes, rssi_dbm, attempts, rejected, version_code, flags, payload) VALUES "
            + "(@d, @r, @b, @s, @u, @br, @sv, @hf, @mf, @bu, @bd, @wb, @rs, @at, @rj, @vc, @fl, @p) ON CONFLICT (device_ref, boot, seq) DO NOTHING";
        string[] names = { "@d", "@r", "@b", "@s", "@u", "@br", "@sv", "@hf", "@mf", "@bu", "@bd", "@wb", "@rs", "@at", "@rj", "@vc", "@fl", "@p" };
        var parameters = new DbParameter[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            parameters[i] = Parameter(command, names[i], null);
        }

        command.Prepare();
        for (int r = 0; r < rows.Count; r++)
        {
            HealthRow row = rows[r];
            parameters[0].Value = row.DeviceRef;
            parameters[1].Value = row.ReceivedMs;
            parameters[2].Value = row.Boot;
            parameters[3].Value = row.Seq;
            parameters[4].Value = row.UptimeS;
            parameters[5].Value = row.BootReason;
            parameters[6].Value = (object?)row.SupplyMv ?? DBNull.Value;
            parameters[7].Value = (object?)row.HeapFreeKiB ?? DBNull.Value;
            parameters[8].Value = (object?)row.ManagedFreeKiB ?? DBNull.Value;
            parameters[9].Value = row.BytesUp;
            parameters[10].Value = row.BytesDown;
            parameters[11].Value = row.WireBytes;
            parameters[12].Value = (object?)row.RssiDbm ?? DBNull.Value;
            parameters[13].Value = row.Attempts;
            parameters[14].Value = row.Rejected;
            parameters[15].Value = row.VersionCode;
            parameters[16].Value = row.Flags;
            parameters[17].Value = row.Payload;
            inserted[r] = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
        }

        return inserted;
    }

    public override async Task UpdateSeenAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<DeviceSeen> seen, CancellationToken cancellationToken)
    {
        if (seen.Count == 0)
        {
            return;
        }

        using DbCommand command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = FleetStore.UpdateSeenSql;
        DbParameter id = Parameter(command, "@id", null);
        DbParameter at = Parameter(command, "@at", null);
        DbParameter boot = Parameter(command, "@boot", null);
        DbParameter seq = Parameter(command, "@seq", null);
        DbParameter version = Parameter(command, "@version", null);
        command.Prepare();
        foreach (DeviceSeen device in seen)
        {
            id.Value = device.DeviceRef;
            at.Value = device.SeenMs;
            boot.Value = (object?)device.Boot ?? DBNull.Value;
            seq.Value = (object?)device.Seq ?? DBNull.Value;
            version.Value = (object?)device.VersionCode ?? DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task<long> DatabaseBytesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        long total = 0;
        foreach (string file in new[] { Path, Path + "-wal", Path + "-shm" })
        {
            var info = new FileInfo(file);
            total += info.Exists ? info.Length : 0;
        }

        return Task.FromResult(total);
    }

    // SQLITE_BUSY (5) and SQLITE_LOCKED (6) pass; SQLITE_FULL (13) and SQLITE_IOERR (10) may pass once space is freed.
    public override bool IsTransient(Exception error) => error is SqliteException { SqliteErrorCode: 5 or 6 or 10 or 13 };

    // SQLITE_CONSTRAINT (19), SQLITE_MISMATCH (20), SQLITE_TOOBIG (18).
    public override bool IsDataError(Exception error) => error is SqliteException { SqliteErrorCode: 18 or 19 or 20 };

    public override ValueTask DisposeAsync()
    {
        SqliteConnection.ClearAllPools();
        return ValueTask.CompletedTask;
    }

    /// <summary>Creates <paramref name="path"/> empty with mode 0600 unless it exists (SQLite accepts an empty file as a new database).</summary>
    private static void CreateOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var created = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite });
        }
        catch (IOException)
        {
            // created meanwhile by another connection or instance, or the folder is missing: SQLite reports the latter
        }
    }
}
