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

    /// <summary>A number of the ladder's refused-message rows of a device (the tests' own parameterised query): COUNT(*) or SUM(refused).</summary>
    public static async Task<long> LadderRefusalsAsync(SqlDialect sql, string deviceId, bool rows)
    {
        await using var connection = await sql.OpenAsync(CancellationToken.None);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT " + (rows ? "COUNT(*)" : "COALESCE(SUM(refused), 0)") + " FROM " + ServiceStateSchema.LadderRefusals + " WHERE device_id = @d";
        SqlDialect.Parameter(command, "@d", deviceId);
        return System.Convert.ToInt64(await command.ExecuteScalarAsync(CancellationToken.None), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs raw SQL (the tests' own statements: the append-only and schema-version checks).</summary>
    public static async Task<int> ExecuteAsync(SqlDialect sql, string text)
    {
        await using var connection = await sql.OpenAsync(CancellationToken.None);
        using var command = connection.CreateCommand();
        command.CommandText = text;
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// A trigger that refuses <paramref name="what"/> ("INSERT ON table", "UPDATE OF column ON table", "DELETE ON table"),
    /// the tests' own statement: a step of a transaction made to fail, to show that the others do not remain.
    /// </summary>
    public static async Task PlantFailureAsync(SqlDialect sql, string dialect, string what)
    {
        if (dialect == "sqlite")
        {
            await ExecuteAsync(sql, $"CREATE TRIGGER tr_planted_failure BEFORE {what} BEGIN SELECT RAISE(ABORT, 'planted failure'); END");
            return;
        }

        await ExecuteAsync(sql, "CREATE FUNCTION fn_planted_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted failure'; END $$");
        await ExecuteAsync(sql, $"CREATE TRIGGER tr_planted_failure BEFORE {what} FOR EACH ROW EXECUTE FUNCTION fn_planted_failure()");
    }

    /// <summary>Removes the trigger <see cref="PlantFailureAsync"/> planted on <paramref name="table"/>: the database works again.</summary>
    public static Task RemoveFailureAsync(SqlDialect sql, string dialect, string table) =>
        ExecuteAsync(sql, dialect == "sqlite" ? "DROP TRIGGER tr_planted_failure" : "DROP TRIGGER tr_planted_failure ON " + table);
}

/// <summary>
/// A complete action row with what it changed, as the tests' fixtures need one: the dispatcher's two writes (the intent,
/// then its completion) without a mechanism between them.
/// </summary>
public static class ActionStoreFixtures
{
    public static async Task<long> RecordActionAsync(this IActionStore store, ActionRecord action, string? serviceState, string? cutReason, LadderChange? ladder,
        CancellationToken cancellationToken)
    {
        long id = await store.BeginActionAsync(action with { Outcome = ActionRecord.Pending, Detail = null }, cancellationToken);
        await store.CompleteActionAsync(new ActionCompletion(id, action.Outcome, action.Detail, action.AtMs, serviceState, cutReason, ladder), cancellationToken);
        return id;
    }
}
