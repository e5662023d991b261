using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Updates;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Recording an offer: the rollout, its plan (batched) and its state in one transaction, on both databases.</summary>
public sealed class RolloutPlanStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>
    /// 2,345 devices in three waves span five plan statements; all recorded. Then a plan whose 1,201st row repeats a
    /// device (a primary-key violation in the third statement, after two succeeded): the insert fails and leaves
    /// nothing, no rollout, no plan row, no state row.
    /// </summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task AddAsync_RecordsEverythingInBatches_OrNothingWhenItFailsMidInsert(string dialectName)
    {
        using var folder = new TemporaryDirectory("plan");
        using SecureDevice.Lab.Postgres.PostgresCluster? cluster = TestDatabases.Cluster(dialectName);
        SqlDialect dialect = await TestDatabases.OpenAsync(folder, cluster, "plan");
        await using var store = new FleetStore(dialect);
        await store.MigrateAsync(1000, None);
        var waves = new RolloutWaveStore(dialect);
        Assert.True(WavePlan.TryCreate("1%,10%,100%", null, null, null, false, new List<string>(), out WavePlan plan));

        List<IReadOnlyList<string>> good = Split(Devices(2_345), plan);
        long id = await waves.AddAsync(RolloutWaveTests.Rollout(2_345), plan, good, 2000, "console:o@127.0.0.1", None);
        Assert.Equal(new[] { 24, 211, 2_110 }, good.Select(w => w.Count));
        for (int wave = 1; wave <= 3; wave++)
        {
            Assert.Equal(good[wave - 1], await waves.WaveAsync(id, wave, None));
        }

        Assert.Equal((WaveState.Publishing, 3, 24), ((await waves.GetAsync(id, None))!.State, (await waves.GetAsync(id, None))!.WaveCount, (await waves.GetAsync(id, None))!.FirstWave));
        Assert.Equal((1L, 2_345L, 1L), await CountsAsync(dialect));

        List<string> repeated = Devices(2_345);
        repeated[1_200] = repeated[3];
        await Assert.ThrowsAnyAsync<DbException>(() => waves.AddAsync(RolloutWaveTests.Rollout(2_345), plan, Split(repeated, plan), 3000, "console:o@127.0.0.1", None));
        Assert.Equal((1L, 2_345L, 1L), await CountsAsync(dialect)); // the first offer only: nothing half-written
        Assert.Single(await waves.ListDueAsync(WaveState.Publishing, 0, 10, 5000, None));

        // Device ids travel as parameters: a hostile one is stored as text.
        long hostile = await waves.AddAsync(RolloutWaveTests.Rollout(1), WavePlan.AllAtOnce, new[] { new[] { "x'); DROP TABLE update_rollout_plan; --" } }, 4000, "console:o@127.0.0.1", None);
        Assert.Equal(new[] { "x'); DROP TABLE update_rollout_plan; --" }, await waves.WaveAsync(hostile, 1, None));
    }

    private static List<string> Devices(int count) => Enumerable.Range(0, count).Select(i => "dev-" + i.ToString("D5", CultureInfo.InvariantCulture)).ToList();

    private static List<IReadOnlyList<string>> Split(List<string> devices, WavePlan plan)
    {
        var waves = new List<IReadOnlyList<string>>();
        int taken = 0;
        foreach (int size in plan.Sizes(devices.Count))
        {
            waves.Add(devices.GetRange(taken, size));
            taken += size;
        }

        return waves;
    }

    private static async Task<(long Rollouts, long Plan, long States)> CountsAsync(SqlDialect dialect)
    {
        await using DbConnection connection = await dialect.OpenAsync(None);
        async Task<long> Count(string table)
        {
            using DbCommand command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM " + table;
            return Convert.ToInt64(await command.ExecuteScalarAsync(None), CultureInfo.InvariantCulture);
        }

        return (await Count(ConsoleOpsSchema.Rollouts), await Count(ConsoleWavesSchema.Plan), await Count(ConsoleWavesSchema.Waves));
    }
}
