using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Storage;

/// <summary>
/// The detection feed's storage: seq in commit order (a reader never sees k+1 before k, even when the writer of k+1
/// began while k's was still open), the lease granted to one owner at a time and taken over once expired, and the
/// state save fenced by the lease.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DetectionFeedStoreTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("feed");

    public DetectionFeedStoreTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task AppendAsync_SecondWriterBeginsWhileTheFirstIsOpen_ReaderNeverSeesAGapOrReordering()
    {
        var (store, sql) = await StoreFactory.OpenAsync("postgres", _postgres, _folder);
        await using (store)
        {
            var feed = new DetectionFeedStore(sql);
            await using DbConnection a = await sql.OpenAsync(None);
            await using DbTransaction ta = await a.BeginTransactionAsync(None);
            long first = await DetectionFeedStore.AppendAsync(a, ta, "one", 1, new byte[] { 1 }, None);

            // B appends while A has not committed: it must wait for A's commit (else it could commit k+1 before k).
            Task<long> second = Task.Run(async () =>
            {
                await using DbConnection b = await sql.OpenAsync(None);
                await using DbTransaction tb = await b.BeginTransactionAsync(None);
                long seq = await DetectionFeedStore.AppendAsync(b, tb, "two", 2, new byte[] { 2 }, None);
                await tb.CommitAsync(None);
                return seq;
            });
            await Task.Delay(500);
            Assert.Empty(await feed.ReadAsync(0, 10, None)); // neither visible: B did not commit ahead of A
            Assert.False(second.IsCompleted, "the second writer committed while the first was still open");

            await ta.CommitAsync(None);
            long seq2 = await second;

            Assert.Equal(1, first);
            Assert.Equal(2, seq2);
            Assert.Equal(new long[] { 1, 2 }, (await feed.ReadAsync(0, 10, None)).Select(r => r.Seq).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task AppendAsync_AfterEveryRowWasPruned_SeqKeepsIncreasing(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            var feed = new DetectionFeedStore(sql);
            await AppendAsync(sql, 3);
            Assert.Equal(3, await feed.PruneThroughAsync(3, 100, None));

            await AppendAsync(sql, 1);

            // A seq below a saved cursor would never be read: it must not start again at 1.
            Assert.Equal(new long[] { 4 }, (await feed.ReadAsync(3, 10, None)).Select(r => r.Seq).ToArray());
            Assert.Equal(4, await feed.HeadAsync(None));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task TryAcquireAsync_HolderStopsRenewing_TakenOverAfterTheTtl_OldHoldersFencedSaveRefused(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder);
        await using (store)
        {
            var feed = new DetectionFeedStore(sql);
            const long T = 1_800_000_000_000, Ttl = 15_000;
            Assert.True(await feed.TryAcquireAsync("detection", "a", T, Ttl, None));
            Assert.False(await feed.TryAcquireAsync("detection", "b", T + 1_000, Ttl, None));
            Assert.True(await feed.TryAcquireAsync("detection", "a", T + 5_000, Ttl, None)); // renewed: until T + 20 s
            Assert.False(await feed.TryAcquireAsync("detection", "b", T + 19_000, Ttl, None));
            Assert.True(await feed.SaveAsync("detection", "a", T + 19_500, Ttl, new[] { new KeyValuePair<string, byte[]>("d1", new byte[] { 1 }) }, new FeedCursor(7, T), "one", None));

            // a stops renewing (a long pause): its lease expires at T + 34.5 s, b takes it.
            Assert.True(await feed.TryAcquireAsync("detection", "b", T + 35_000, Ttl, None));

            // a wakes up and saves: refused, nothing of it written.
            Assert.False(await feed.SaveAsync("detection", "a", T + 36_000, Ttl, new[] { new KeyValuePair<string, byte[]>("d1", new byte[] { 9 }) }, new FeedCursor(99, T), "one", None));
            Assert.Equal(new FeedCursor(7, T), await feed.LoadCursorAsync("detection", None));
            var states = new Dictionary<string, byte[]>();
            await new ServiceStateStore(sql).LoadDetectionAsync((id, state) => states[id] = state, None);
            Assert.Equal(new byte[] { 1 }, states["d1"]);
            Assert.False(await feed.TryAcquireAsync("detection", "a", T + 36_000, Ttl, None));

            Assert.True(await feed.SaveAsync("detection", "b", T + 36_000, Ttl, Array.Empty<KeyValuePair<string, byte[]>>(), new FeedCursor(12, T + 30_000), "two", None));
            Assert.Equal(new FeedCursor(12, T + 30_000), await feed.LoadCursorAsync("detection", None));
        }
    }

    internal static async Task AppendAsync(SqlDialect sql, int rows, Func<int, (byte[] Body, long CommittedMs)>? body = null)
    {
        for (int i = 0; i < rows; i++)
        {
            await using DbConnection connection = await sql.OpenAsync(None);
            await using DbTransaction transaction = await connection.BeginTransactionAsync(None);
            var (bytes, at) = body?.Invoke(i) ?? (new byte[] { (byte)i }, i);
            await DetectionFeedStore.AppendAsync(connection, transaction, "test", at, bytes, None);
            await transaction.CommitAsync(None);
        }
    }
}
