using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Postgres;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Queries;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The counters of ids that are no registered device (<see cref="UnattachedCounterQueries"/>) on SQLite and PostgreSQL:
/// registered devices' rows never, unknown ids, <c>(broker)</c> and <c>(overflow)</c> always, the window's first hour
/// in and the hour before it out, both caps, and the plan (the hour index and the devices' key, no scan of the counters).
/// </summary>
public sealed class UnattachedCounterQueriesTests
{
    private static readonly CancellationToken None = CancellationToken.None;
    private const long T0 = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000); // an hour's start
    private const long H = 3_600_000;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task ReadAsync_IdsNoDeviceHas_SummedPerIdAndReason_FromTheWindowsFirstHour_BothCaps(string dialectName)
    {
        using var folder = new TemporaryDirectory("unattached");
        using PostgresCluster? cluster = TestDatabases.Cluster(dialectName);
        SqlDialect dialect = await TestDatabases.OpenAsync(folder, cluster, "unattached");
        await using var store = new FleetStore(dialect);
        await store.MigrateAsync(T0, None);
        RegistryEntry Entry(string id, string customer) => new(id, customer, "01", new string('a', 64), T0 + (400 * 86_400_000L), T0, "active", null);
        await store.SyncRegistryAsync(new[] { Entry("dev-a", "acme"), Entry("dev-old", "globex") }, T0, None);
        await store.SyncRegistryAsync(new[] { Entry("dev-a", "acme") }, T0, None); // dev-old removed from the inventory: still registered (its own page shows its counters)
        long from = T0 - (7 * 24 * H);
        var batch = new IngestBatch();
        batch.Counters.AddRange(new[]
        {
            new CounterDelta("dev-a", "outside-acl", T0, 50, 500, T0 + 1, "registered: never here"),
            new CounterDelta("dev-old", "unknown-device", T0, 40, 400, T0 + 2, "removed: never here"),
            new CounterDelta("ghost-1", "unknown-device", from, 3, 30, from + 5, "first hour: in"),
            new CounterDelta("ghost-1", "unknown-device", T0, 2, 20, T0 + 7, null), // no detail: the older one stays the newest non-null
            new CounterDelta("ghost-1", "unknown-device", from - H, 100, 1000, from - 1, "hour before the window: out"),
            new CounterDelta("ghost-1", "outside-acl", T0, 1, 9, T0 + 8, "1 refused, last topic x"),
            new CounterDelta("(broker)", "bad-refusal-report", T0, 4, 44, T0 + 9, "not json"),
            new CounterDelta("(overflow)", "outside-acl", T0, 9, 90, T0 + 10, "9 refused"),
        });
        await store.CommitAsync(batch, None);
        var queries = new UnattachedCounterQueries(dialect);

        UnattachedCounters all = await queries.ReadAsync(from, 100, 64, None);
        Assert.Equal(3, all.IdsInWindow);
        Assert.Equal(
            new[]
            {
                // ids by refused messages (9, 6, 4), reasons by name
                new UnattachedCounter("(overflow)", "outside-acl", 9, 90, T0 + 10, "9 refused", 1),
                new UnattachedCounter("ghost-1", "outside-acl", 1, 9, T0 + 8, "1 refused, last topic x", 2),
                new UnattachedCounter("ghost-1", "unknown-device", 5, 50, T0 + 7, "first hour: in", 2),
                new UnattachedCounter("(broker)", "bad-refusal-report", 4, 44, T0 + 9, "not json", 1),
            },
            all.Rows);

        // The window moved on by an hour: its first hour's row is out.
        Assert.Equal(2, (await queries.ReadAsync(from + H, 100, 64, None)).Rows.Single(r => r.Reason == "unknown-device").Count);

        // Caps: the 2 ids with most, the first reason of each; the totals say what was left out.
        UnattachedCounters capped = await queries.ReadAsync(from, 2, 1, None);
        Assert.Equal(3, capped.IdsInWindow);
        Assert.Equal(new[] { ("(overflow)", "outside-acl", 1L), ("ghost-1", "outside-acl", 2L) }, capped.Rows.Select(r => (r.DeviceId, r.Reason, r.ReasonsOfId)));
        Assert.Empty((await queries.ReadAsync(T0 + H, 100, 64, None)).Rows);
    }

    /// <summary>
    /// Two months of counters (60 ids an hour, a third of them registered) with a week in the window, after ANALYZE: the
    /// window is read through <c>ix_counters_hour</c>, registration through the devices' unique key, never a scan of the counters.
    /// </summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Sql_AWeekOfTwoMonths_ReadsTheCountersOnlyWithinTheWindow_NoScanNoPerRowLookup(string dialectName)
    {
        using var folder = new TemporaryDirectory("unattached-plan");
        using PostgresCluster? cluster = TestDatabases.Cluster(dialectName);
        SqlDialect dialect = await TestDatabases.OpenAsync(folder, cluster, "unattachedplan");
        await using var store = new FleetStore(dialect);
        await store.MigrateAsync(T0, None);
        await store.SyncRegistryAsync(Enumerable.Range(0, 20).Select(i => new RegistryEntry("id-" + i, "acme", "01", new string('a', 64), T0 + (400 * 86_400_000L), T0, "active", null)).ToList(), T0, None);
        const int hours = 60 * 24;
        await ExecuteAsync(dialect, "INSERT INTO " + Tables.Counters + " (device_id, reason, hour_ms, count, bytes, last_ms, last_detail) "
            + "WITH RECURSIVE n(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM n WHERE i < " + ((hours * 60) - 1) + ") "
            + "SELECT 'id-' || CAST(i % 60 AS TEXT), 'unknown-device', " + T0 + " - (i / 60) * " + H + ", 1, 10, " + T0 + " - (i / 60) * " + H + ", 'd' FROM n");
        await ExecuteAsync(dialect, "ANALYZE");

        var plan = new List<string>();
        await using (DbConnection connection = await dialect.OpenAsync(None))
        {
            using DbCommand command = connection.CreateCommand();
            command.CommandText = (dialectName == "sqlite" ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + UnattachedCounterQueries.Sql;
            SqlDialect.Parameter(command, "@from", T0 - (7 * 24 * H));
            SqlDialect.Parameter(command, "@ids", 101L);
            SqlDialect.Parameter(command, "@reasons", 64L);
            await using DbDataReader reader = await command.ExecuteReaderAsync(None);
            while (await reader.ReadAsync(None))
            {
                plan.Add(reader.GetValue(reader.FieldCount - 1).ToString()!);
            }
        }

        string text = string.Join(" | ", plan);
        if (dialectName == "sqlite")
        {
            // Every read of the counters is a SEARCH bounded by the window's hours: through ix_counters_hour, or SQLite's
            // skip-scan of the primary key when it knows few ids (as here); never a SCAN of the table.
            Assert.True(plan.Any(line => line.Contains("SEARCH c USING", StringComparison.Ordinal)), text);
            Assert.DoesNotContain(plan, line => Regex.IsMatch(line, @"^\s*SCAN (c|l)\b"));
            Assert.All(plan.Where(line => Regex.IsMatch(line, @"SEARCH (c|l) ")), line => Assert.Contains("hour_ms>?", line, StringComparison.Ordinal));
            Assert.Matches("SEARCH d USING (COVERING )?INDEX sqlite_autoindex_devices", text);
        }
        else
        {
            // Counters only through the hour index (the detail too: no per-row walk, no Seq Scan); devices by their key or one hash of the table.
            Assert.True(plan.Count(line => line.Contains("Index Cond: (hour_ms >=", StringComparison.Ordinal)) >= 2 && !text.Contains("Seq Scan on device_counters", StringComparison.Ordinal)
                && !text.Contains("SubPlan", StringComparison.Ordinal) && Regex.IsMatch(text, "Anti Join"), string.Join("\n", plan));
        }

        UnattachedCounters read = await new UnattachedCounterQueries(dialect).ReadAsync(T0 - (7 * 24 * H), 100, 64, None);
        Assert.Equal(40, read.IdsInWindow);
        Assert.All(read.Rows, r => Assert.Equal((7 * 24) + 1, r.Count)); // the hours from the window's first to T0, both included
    }

    private static async Task ExecuteAsync(SqlDialect dialect, string sql)
    {
        await using DbConnection connection = await dialect.OpenAsync(None);
        using DbCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 300;
        await command.ExecuteNonQueryAsync(None);
    }
}
