using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;

namespace SecureDevice.Service.Tests.Storage;

/// <summary>Opens a migrated store of either dialect, so one test body runs against SQLite and PostgreSQL.</summary>
public static class StoreFactory
{
    public static readonly object[][] Dialects = { new object[] { "sqlite" }, new object[] { "postgres" } };

    public static SqlDialect Dialect(string dialect, PostgresFixture postgres, TemporaryDirectory folder) =>
        dialect == "sqlite" ? new SqliteDialect(folder.Path) : new PostgresDialect(DatabaseUrl.Parse(postgres.NewDatabase()), "tests");

    public static async Task<(FleetStore Store, SqlDialect Sql)> OpenAsync(string dialect, PostgresFixture postgres, TemporaryDirectory folder, long nowMs = 1_800_000_000_000)
    {
        SqlDialect sql = Dialect(dialect, postgres, folder);
        var store = new FleetStore(sql);
        await store.MigrateAsync(nowMs, CancellationToken.None);
        return (store, sql);
    }

    /// <summary>Runs raw SQL (the tests' own statements: the append-only and schema-version checks).</summary>
    public static async Task<int> ExecuteAsync(SqlDialect sql, string text)
    {
        await using var connection = await sql.OpenAsync(CancellationToken.None);
        using var command = connection.CreateCommand();
        command.CommandText = text;
        return await command.ExecuteNonQueryAsync();
    }
}
