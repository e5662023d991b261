using System;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Storage;

/// <summary>
/// The ladder's refused-message window in the database (migration 8), against both dialects: counts add up across
/// calls (and so across restarts and instances), per device, and a bucket stops counting once it starts before the
/// window; a cleared device starts again from zero.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ServiceStateStoreTests : IDisposable
{
    private const long T0 = 1_800_000_000_000; // a multiple of the 10 s bucket
    private const long Window = 300_000;
    private const long Bucket = 10_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("state-store");

    public ServiceStateStoreTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task AddRefusalsAsync_AcrossCallsAndStoreInstances_SumsTheWindowPerDevice_ForgetsOlderBuckets(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            Assert.Equal(5, await new ServiceStateStore(sql).AddRefusalsAsync("dev-a", 5, T0 + 1_000, Window, Bucket, None));

            // A second store over the same database (a restarted service, another instance) goes on counting.
            var other = new ServiceStateStore(sql);
            Assert.Equal(12, await other.AddRefusalsAsync("dev-a", 7, T0 + 15_000, Window, Bucket, None));
            Assert.Equal(1, await other.AddRefusalsAsync("dev-b", 1, T0 + 15_000, Window, Bucket, None));

            // At T0 + 300 s the bucket of T0 starts exactly one window back: it no longer counts; the one of T0 + 10 s does.
            Assert.Equal(7 + 2, await other.AddRefusalsAsync("dev-a", 2, T0 + Window, Window, Bucket, None));
            Assert.Equal(2, await other.AddRefusalsAsync("dev-a", 0, T0 + Window + 15_000, Window, Bucket, None));
            Assert.Equal(1, await StoreFactory.LadderRefusalsAsync(sql, "dev-a", rows: true)); // adding nothing adds no row; the older buckets are gone
            Assert.Equal(0, await StoreFactory.LadderRefusalsAsync(sql, "dev-b", rows: true));

            // A lift forgets them, through the one path that does (in the lift's record transaction).
            await using (var connection = await sql.OpenAsync(None))
            await using (var transaction = await connection.BeginTransactionAsync(None))
            {
                await ServiceStateStore.ApplyAsync(connection, transaction, LadderChange.Forget("dev-a"), None);
                await transaction.CommitAsync(None);
            }

            Assert.Equal(3, await other.AddRefusalsAsync("dev-a", 3, T0 + Window + 16_000, Window, Bucket, None));
        }
    }
}
