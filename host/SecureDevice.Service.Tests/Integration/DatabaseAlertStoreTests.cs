using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Lab.Alerts;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.EndToEnd;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// The alert outbox in the service's database (both dialects): a restart resumes a retrying delivery with its attempt
/// count and alert id; claims let exactly one of two instances attempt each delivery; de-duplication survives a restart.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseAlertStoreTests : IDisposable
{
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("outbox");
    private readonly List<SqlDialect> _opened = new();

    public DatabaseAlertStoreTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose()
    {
        foreach (SqlDialect dialect in _opened)
        {
            dialect.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _folder.Dispose();
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task TryClaim_OneInstanceWins_StaleCopyRefused_ExpiredLeasePasses(string dialect)
    {
        Func<SqlDialect> open = await DatabaseAsync(dialect);
        var now = new DateTimeOffset(2027, 1, 15, 8, 0, 0, TimeSpan.Zero);
        var one = new DatabaseAlertStore(open(), "service", TimeProvider.System);
        var two = new DatabaseAlertStore(open(), "service.2", TimeProvider.System);
        AlertDelivery delivery = Delivery("alt_000000000000000000000001", now);
        one.Save(delivery);

        Assert.True(one.TryClaim(delivery, now, TimeSpan.FromMinutes(2)));
        Assert.False(two.TryClaim(delivery, now.AddSeconds(30), TimeSpan.FromMinutes(2)));
        Assert.True(two.TryClaim(delivery, now.AddMinutes(3), TimeSpan.FromMinutes(2)));

        // The attempt failed and was recorded (claim released): the old copy (0 attempts) can no longer be claimed.
        AlertDelivery failed = delivery with { State = DeliveryState.Failed, Attempts = 1, LastError = "HTTP 503", NextAttemptAt = now.AddMinutes(4) };
        two.Save(failed);
        Assert.False(one.TryClaim(delivery, now.AddMinutes(5), TimeSpan.FromMinutes(2)));
        Assert.True(one.TryClaim(failed, now.AddMinutes(5), TimeSpan.FromMinutes(2)));

        // A stale save never moves a delivery back.
        one.Save(delivery);
        AlertDelivery stored = Assert.Single(two.PendingDeliveries());
        Assert.Equal(1, stored.Attempts);
        Assert.Equal("HTTP 503", stored.LastError);
        Assert.Equal(delivery.Body, stored.Body);

        one.Save(failed with { State = DeliveryState.Sent, Attempts = 2, DoneAt = now.AddMinutes(6), LastError = null });
        Assert.Empty(two.PendingDeliveries());
        Assert.False(two.TryClaim(failed, now.AddMinutes(10), TimeSpan.FromMinutes(2)));
        Assert.Equal(1, one.Prune(now.AddMinutes(7).ToUnixTimeMilliseconds(), 0));
        Assert.Empty(one.Deliveries());
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Dispatcher_RestartMidRetry_ResumesWithAttempts_TwoInstancesDeliverEachAlertOnce(string dialect)
    {
        Func<SqlDialect> open = await DatabaseAsync(dialect);
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        using var inbox = WebhookInbox.Start(secret);
        var contacts = new MemoryCustomerContacts(new CustomerContacts("acme", inbox.Url, secret, Array.Empty<string>()));
        using var webhook = new WebhookSender(allowLoopback: true);
        var options = new AlertDispatcherOptions
        {
            PerWindow = 1000,
            PollInterval = TimeSpan.FromMilliseconds(20),
            Retry = new RetryPolicy { Base = TimeSpan.FromMilliseconds(50), Floor = TimeSpan.FromMilliseconds(10), Cap = TimeSpan.FromMilliseconds(100), MaxAttempts = 50 },
        };
        AlertDispatcher Dispatcher(string instance) => new(contacts, new DatabaseAlertStore(open(), instance, TimeProvider.System), webhook, null, options: options);

        // The customer's endpoint is down: the delivery is retried, each attempt recorded in the outbox.
        inbox.Down = true;
        AlertDispatcher before = Dispatcher("service");
        Assert.Equal(NotifyStatus.Queued, before.Notify(Alert("dev-1")));
        await ServiceLab.WaitUntil(async () =>
        {
            await before.DeliverDueAsync();
            return inbox.Refused.Count >= 3;
        }, TimeSpan.FromSeconds(20), "three refused attempts");

        // A restart (a new dispatcher over a new connection pool): the delivery is pending again, with its attempts.
        AlertDispatcher after = Dispatcher("service");
        Assert.Equal(1, after.QueueDepth);
        int attemptsBefore = Assert.Single(new DatabaseAlertStore(open(), "probe", TimeProvider.System).PendingDeliveries()).Attempts;
        Assert.True(attemptsBefore >= 3);
        Assert.Equal(NotifyStatus.Duplicate, after.Notify(Alert("dev-1")));
        inbox.Down = false;
        await ServiceLab.WaitUntil(async () =>
        {
            await after.DeliverDueAsync();
            return !inbox.Received.IsEmpty;
        }, TimeSpan.FromSeconds(20), "the delivery after the restart");
        ReceivedAlert delivered = Assert.Single(inbox.Snapshot());
        Assert.True(delivered.SignatureValid);
        Assert.All(inbox.Refused, refused => Assert.Equal(refused.Body, delivered.Body));
        AlertDelivery sent = Assert.Single(new DatabaseAlertStore(open(), "probe", TimeProvider.System).Deliveries());
        Assert.Equal(DeliveryState.Sent, sent.State);
        Assert.True(sent.Attempts > attemptsBefore);

        // Two instances, both holding the same 20 pending deliveries, deliver concurrently: each alert arrives once.
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(NotifyStatus.Queued, after.Notify(Alert("dev-" + (i + 10))));
        }

        AlertDispatcher other = Dispatcher("service.2");
        Assert.Equal(20, other.QueueDepth);
        using var stop = new CancellationTokenSource();
        Task[] loops = { Task.Run(() => after.RunAsync(stop.Token)), Task.Run(() => other.RunAsync(stop.Token)) };
        await ServiceLab.WaitUntil(() => Task.FromResult(inbox.Received.Count >= 21), TimeSpan.FromSeconds(30), "the 20 alerts");
        await Task.Delay(500);
        stop.Cancel();
        await Task.WhenAll(loops);
        IReadOnlyList<ReceivedAlert> received = inbox.Snapshot();
        Assert.Equal(21, received.Count);
        Assert.Equal(21, received.Select(r => r.Body).Distinct().Count());
        Assert.Equal(21, after.Counters.Sent + other.Counters.Sent);
        Assert.Empty(new DatabaseAlertStore(open(), "probe", TimeProvider.System).PendingDeliveries());
    }

    private static AlertEvent Alert(string device) =>
        AlertEvent.ForFinding("acme", device, "coin-miner", true, AlertSeverity.Critical, "load and current up", "load 97 %", DateTimeOffset.UtcNow);

    private static AlertDelivery Delivery(string id, DateTimeOffset now) => new()
    {
        AlertId = id, CustomerId = "acme", DeviceId = "dev-1", Kind = "coin-miner", Channel = AlertChannel.Webhook, State = DeliveryState.Queued,
        CreatedAt = now, NextAttemptAt = now, Body = "{\"id\":\"" + id + "\"}",
    };

    /// <summary>A migrated database and a way to open further connection pools to it (one per simulated instance).</summary>
    private async Task<Func<SqlDialect>> DatabaseAsync(string dialect)
    {
        string? url = dialect == "postgres" ? _postgres.NewDatabase() : null;
        SqlDialect Open()
        {
            SqlDialect opened = url == null ? new SqliteDialect(_folder.Path) : new PostgresDialect(DatabaseUrl.Parse(url), "tests");
            _opened.Add(opened);
            return opened;
        }

        await new FleetStore(Open()).MigrateAsync(1_800_000_000_000, CancellationToken.None);
        return Open;
    }
}
