using System;
using System.Threading;
using SecureDevice.Lab.Postgres;
using Xunit;

namespace SecureDevice.Service.Tests;

/// <summary>
/// One throwaway PostgreSQL cluster for the whole test run (initdb in a temporary folder, a random port on 127.0.0.1,
/// SCRAM password; run as the postgres user when the tests run as root); each test gets a database of its own.
/// PostgreSQL missing is a failure, not a skip: scripts/install-deps.sh installs it.
/// </summary>
public sealed class PostgresFixture : IDisposable
{
    private static int _databases;
    private readonly Lazy<PostgresCluster> _cluster = new(() => PostgresCluster.Start(), LazyThreadSafetyMode.ExecutionAndPublication);

    public PostgresCluster Cluster => _cluster.Value;

    /// <summary>A new empty database's URL.</summary>
    public string NewDatabase() => Cluster.CreateDatabaseAsync("t" + Interlocked.Increment(ref _databases) + "_" + Guid.NewGuid().ToString("N")[..8]).GetAwaiter().GetResult();

    public void Dispose()
    {
        if (_cluster.IsValueCreated)
        {
            _cluster.Value.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
