using System;
using System.Threading.Tasks;
using SecureDevice.Lab.Postgres;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;

namespace SecureDevice.WebConsole.Tests;

/// <summary>The two databases the console's statements must work on, for [Theory] tests over "sqlite" and "postgres".</summary>
public static class TestDatabases
{
    /// <summary>A throwaway PostgreSQL cluster for "postgres", none for "sqlite".</summary>
    public static PostgresCluster? Cluster(string dialectName) => dialectName == "postgres" ? PostgresCluster.Start() : null;

    /// <summary>SQLite in <paramref name="folder"/>, or a fresh database named <paramref name="prefix"/>_RANDOM in <paramref name="cluster"/>.</summary>
    public static async Task<SqlDialect> OpenAsync(TemporaryDirectory folder, PostgresCluster? cluster, string prefix) => cluster == null
        ? new SqliteDialect(folder.Path)
        : new PostgresDialect(DatabaseUrl.Parse(await cluster.CreateDatabaseAsync(prefix + "_" + Guid.NewGuid().ToString("N")[..8])), "tests");
}
