using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Service.Storage;

/// <summary>
/// What differs between SQLite and PostgreSQL: DDL types, opening a connection, the two bulk statements of the ingest
/// path (where a loop of prepared statements is fastest in-process and one array statement is fastest over a socket),
/// the database size, and which errors are worth retrying. Every other query is shared text in <see cref="FleetStore"/>.
/// </summary>
public abstract class SqlDialect : IAsyncDisposable
{
    /// <summary>"sqlite" or "postgres".</summary>
    public abstract string Name { get; }

    /// <summary>Where the data is, for logs: a path, or the URL without its password.</summary>
    public abstract string Description { get; }

    /// <summary>An auto-numbered 64-bit primary key.</summary>
    protected abstract string PrimaryKeyType { get; }

    protected abstract string IntegerType { get; }

    protected abstract string BlobType { get; }

    protected abstract string RealType { get; }

    /// <summary>Replaces the type placeholders of <see cref="Migrations"/>.</summary>
    public string Render(string ddl) => ddl
        .Replace("{pk}", PrimaryKeyType, StringComparison.Ordinal)
        .Replace("{int}", IntegerType, StringComparison.Ordinal)
        .Replace("{blob}", BlobType, StringComparison.Ordinal)
        .Replace("{real}", RealType, StringComparison.Ordinal);

    /// <summary>DDL that makes <paramref name="table"/> refuse UPDATE and DELETE (an append-only audit).</summary>
    public abstract string AppendOnlyTrigger(string table);

    /// <summary>
    /// DDL (migration 12) that replaces the UPDATE refusal of <see cref="AppendOnlyTrigger"/> on <paramref name="table"/>
    /// (the actions audit) by one that lets exactly one update through: a <c>pending</c> row completed as <c>done</c> or
    /// <c>failed</c> with its completion time, every other column unchanged. DELETE (and TRUNCATE) stay refused.
    /// </summary>
    public abstract string CompleteOnceTrigger(string table);

    /// <summary>The condition both dialects' <see cref="CompleteOnceTrigger"/> let through (OLD and NEW are the trigger's rows).</summary>
    protected static string CompletionAllowed =>
        "OLD.outcome = 'pending' AND NEW.outcome IN ('done', 'failed') AND NEW.completed_ms IS NOT NULL AND NEW.id = OLD.id AND NEW.device_id = OLD.device_id "
        + "AND NEW.kind = OLD.kind AND NEW.actor = OLD.actor AND NEW.reason = OLD.reason AND NEW.at_ms = OLD.at_ms";

    /// <summary>An open connection with the session settings applied.</summary>
    public abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Within a migration transaction: makes concurrent starters (two instances) wait for each other.</summary>
    public abstract Task LockForMigrationAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Inserts health rows, skipping those whose (device, boot, seq) is stored; true for each row inserted.</summary>
    public abstract Task<bool[]> InsertHealthAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<HealthRow> rows, CancellationToken cancellationToken);

    /// <summary>Moves each device's first/last seen time, newest (boot, seq) and version forward (never back).</summary>
    public abstract Task UpdateSeenAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<DeviceSeen> seen, CancellationToken cancellationToken);

    /// <summary>Bytes the database occupies (files for SQLite with its write-ahead log, pg_database_size for PostgreSQL).</summary>
    public abstract Task<long> DatabaseBytesAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>An error that may pass on retry (lost connection, lock timeout), as opposed to one a row causes.</summary>
    public abstract bool IsTransient(Exception error);

    /// <summary>Whether <paramref name="error"/> is a constraint or data error caused by the statement's values.</summary>
    public abstract bool IsDataError(Exception error);

    public abstract ValueTask DisposeAsync();

    /// <summary>Adds a named parameter (always: values never go into SQL text).</summary>
    public static DbParameter Parameter(DbCommand command, string name, object? value)
    {
        DbParameter parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
