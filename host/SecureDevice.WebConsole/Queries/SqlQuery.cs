using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;

namespace SecureDevice.WebConsole.Queries;

/// <summary>
/// One statement with named parameters: SQL text is built only from constant fragments chosen by the caller, values
/// always travel as parameters (never into the text), so a filter value cannot change the statement.
/// </summary>
public sealed class SqlQuery
{
    private readonly List<string> _where = new();
    private readonly List<(string Name, object? Value)> _parameters = new();

    /// <summary>Adds a condition (a constant fragment naming its parameter) and the parameter's value.</summary>
    public SqlQuery Where(string fragment, string name, object value)
    {
        if (value is string text && text.Contains('\0', StringComparison.Ordinal))
        {
            // No stored text holds NUL (PostgreSQL text cannot), and PostgreSQL refuses it as a parameter: matches nothing.
            _where.Add("1 = 0");
            return this;
        }

        _where.Add(fragment);
        _parameters.Add((name, value));
        return this;
    }

    public SqlQuery Parameter(string name, object? value)
    {
        _parameters.Add((name, value));
        return this;
    }

    /// <summary>" WHERE a AND b" or empty.</summary>
    public string WhereClause => _where.Count == 0 ? string.Empty : " WHERE " + string.Join(" AND ", _where);

    public async Task<IReadOnlyList<T>> ReadAsync<T>(SqlDialect dialect, string sql, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, sql);
        var rows = new List<T>();
        await using DbDataReader reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public async Task<long> ScalarAsync(SqlDialect dialect, string sql, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        using DbCommand command = Command(connection, sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>The statement on a connection the caller holds, inside its <paramref name="transaction"/> (several statements that stand or fall together).</summary>
    public async Task<long> ScalarAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using DbCommand command = Command(connection, sql);
        command.Transaction = transaction;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <summary>The statement on a connection the caller holds, inside its <paramref name="transaction"/>; the rows it changed.</summary>
    public async Task<int> ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using DbCommand command = Command(connection, sql);
        command.Transaction = transaction;
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static string? Text(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private DbCommand Command(DbConnection connection, string sql)
    {
        DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        foreach ((string name, object? value) in _parameters)
        {
            SqlDialect.Parameter(command, name, value);
        }

        return command;
    }
}
