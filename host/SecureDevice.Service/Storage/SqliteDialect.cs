using System;
using System.Collections.Generic;
using System.Data.Common;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace SecureDevice.Service.Storage;

/// <summary>
/// SQLite in one file (<c>fleet.db</c> in the data folder), write-ahead log, <c>synchronous=FULL</c>: a transaction is
/// on disk when Commit returns, so an acknowledgement sent after it survives a crash of the process or of the machine.
/// </summary>
public sealed class SqliteDialect : SqlDialect
{
    /// <summary>The database file's name in the data folder.</summary>
    public const string FileName = "fleet.db";

    /// <summary>
    /// Write-ahead log pages (4 KiB each: 64 MiB) past which a connection's own commit checkpoints (SQLite's
    /// <c>wal_autocheckpoint</c>; its default is 1,000). <see cref="SqliteCheckpointer"/> checkpoints long before, off the
    /// ingest writer's path; this only bounds the log when that loop falls behind or is not running (a tool, a test).
    /// </summary>
    public const int WriterCheckpointPages = 16_384;

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

    public override string CompleteOnceTrigger(string table) =>
        "DROP TRIGGER tr_" + table + "_append_only_update;\n"
        + "CREATE TRIGGER tr_" + table + "_complete_once BEFORE UPDATE ON " + table + " WHEN NOT (" + CompletionAllowed + ") "
        + "BEGIN SELECT RAISE(ABORT, '" + table + " is append-only: a pending row is completed once'); END;";

    public override async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        CreateOwnerOnly(Path); // before SQLite creates it 0644 (its -wal and -shm files take the database's mode)
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using SqliteCommand pragma = connection.CreateCommand();
            // WAL persists in the file; synchronous, busy_timeout and wal_autocheckpoint are per connection.
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA temp_store=MEMORY; "
                + "PRAGMA wal_autocheckpoint=" + WriterCheckpointPages.ToString(System.Globalization.CultureInfo.InvariantCulture) + ";";
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

    /// <summary>
    /// Inserts the batch's reports through one statement prepared once per batch and bound by position straight
    /// through SQLite's C API (SQLitePCLRaw), inside the connection's open transaction: Microsoft.Data.Sqlite binds each
    /// parameter by name on every execution (the name converted to UTF-8 and looked up per value, each value boxed and
    /// wrapped in a binder), which cost more than SQLite's own insert. Errors surface as the same
    /// <see cref="SqliteException"/> (its SQLite code) that the command would have thrown.
    /// </summary>
    public override Task<bool[]> InsertHealthAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<HealthRow> rows, CancellationToken cancellationToken)
    {
        var inserted = new bool[rows.Count];
        if (rows.Count == 0)
        {
            return Task.FromResult(inserted);
        }

        cancellationToken.ThrowIfCancellationRequested();
        sqlite3 db = ((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        string sql = $"INSERT INTO {Tables.HealthReports} (device_ref, received_ms, boot, seq, uptime_s, boot_reason, supply_mv, heap_free_kib, managed_free_kib, "
            + "bytes_up, bytes_down, wire_bytes, rssi_dbm, attempts, rejected, version_code, flags, payload) VALUES "
            + "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) ON CONFLICT (device_ref, boot, seq) DO NOTHING";
        Check(raw.sqlite3_prepare_v2(db, sql, out sqlite3_stmt statement), db);
        using (statement)
        {
            for (int r = 0; r < rows.Count; r++)
            {
                HealthRow row = rows[r];
                Check(raw.sqlite3_bind_int64(statement, 1, row.DeviceRef), db);
                Check(raw.sqlite3_bind_int64(statement, 2, row.ReceivedMs), db);
                Check(raw.sqlite3_bind_int64(statement, 3, row.Boot), db);
                Check(raw.sqlite3_bind_int64(statement, 4, row.Seq), db);
                Check(raw.sqlite3_bind_int64(statement, 5, row.UptimeS), db);
                Check(raw.sqlite3_bind_int64(statement, 6, row.BootReason), db);
                BindNullable(statement, 7, row.SupplyMv, db);
                BindNullable(statement, 8, row.HeapFreeKiB, db);
                BindNullable(statement, 9, row.ManagedFreeKiB, db);
                Check(raw.sqlite3_bind_int64(statement, 10, row.BytesUp), db);
                Check(raw.sqlite3_bind_int64(statement, 11, row.BytesDown), db);
                Check(raw.sqlite3_bind_int64(statement, 12, row.WireBytes), db);
                BindNullable(statement, 13, row.RssiDbm, db);
                Check(raw.sqlite3_bind_int64(statement, 14, row.Attempts), db);
                Check(raw.sqlite3_bind_int64(statement, 15, row.Rejected), db);
                Check(raw.sqlite3_bind_int64(statement, 16, row.VersionCode), db);
                Check(raw.sqlite3_bind_int64(statement, 17, row.Flags), db);
                Check(raw.sqlite3_bind_blob(statement, 18, row.Payload), db);
                Step(statement, db);
                inserted[r] = raw.sqlite3_changes(db) == 1;
                Check(raw.sqlite3_reset(statement), db);
            }
        }

        return Task.FromResult(inserted);
    }

    /// <summary>
    /// Updates the batch's devices through one statement prepared once per batch and bound by position through SQLite's
    /// C API, for the same reason as <see cref="InsertHealthAsync"/>: at one device per report, Microsoft.Data.Sqlite's
    /// per-execution binding cost about as much as the update itself. The SQL is <see cref="FleetStore.UpdateSeenSql"/>,
    /// the text this method ran through Microsoft.Data.Sqlite before (PostgreSQL has its own batched form); a repeated
    /// name is one SQLite parameter.
    /// </summary>
    public override Task UpdateSeenAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<DeviceSeen> seen, CancellationToken cancellationToken)
    {
        if (seen.Count == 0)
        {
            return Task.CompletedTask;
        }

        cancellationToken.ThrowIfCancellationRequested();
        sqlite3 db = ((SqliteConnection)connection).Handle ?? throw new InvalidOperationException("the SQLite connection is not open");
        Check(raw.sqlite3_prepare_v2(db, FleetStore.UpdateSeenSql, out sqlite3_stmt statement), db);
        using (statement)
        {
            int id = ParameterIndex(statement, "@id");
            int at = ParameterIndex(statement, "@at");
            int boot = ParameterIndex(statement, "@boot");
            int seq = ParameterIndex(statement, "@seq");
            int version = ParameterIndex(statement, "@version");
            foreach (DeviceSeen device in seen)
            {
                Check(raw.sqlite3_bind_int64(statement, id, device.DeviceRef), db);
                Check(raw.sqlite3_bind_int64(statement, at, device.SeenMs), db);
                BindNullable(statement, boot, device.Boot, db);
                BindNullable(statement, seq, device.Seq, db);
                BindNullable(statement, version, device.VersionCode, db);
                Step(statement, db);
                Check(raw.sqlite3_reset(statement), db);
            }
        }

        return Task.CompletedTask;
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

    private static void BindNullable(sqlite3_stmt statement, int index, long? value, sqlite3 db) =>
        Check(value is long v ? raw.sqlite3_bind_int64(statement, index, v) : raw.sqlite3_bind_null(statement, index), db);

    /// <summary>Runs a statement that returns no rows; a failure resets it and throws the command's <see cref="SqliteException"/>.</summary>
    private static void Step(sqlite3_stmt statement, sqlite3 db)
    {
        int step = raw.sqlite3_step(statement);
        if (step != raw.SQLITE_DONE)
        {
            raw.sqlite3_reset(statement);
            SqliteException.ThrowExceptionForRC(step, db);
            throw new InvalidOperationException("SQLite step returned " + step);
        }
    }

    private static int ParameterIndex(sqlite3_stmt statement, string name)
    {
        int index = raw.sqlite3_bind_parameter_index(statement, name);
        return index > 0 ? index : throw new InvalidOperationException("the statement has no parameter " + name);
    }

    private static void Check(int rc, sqlite3 db)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, db);
        }
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
