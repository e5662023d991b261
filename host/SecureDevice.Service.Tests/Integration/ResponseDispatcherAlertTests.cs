using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;
using StoredAction = SecureDevice.Service.Storage.ActionRecord;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// The owner's alert for an action is queued (the outbox's rows) if and only if the action's row is completed done,
/// once, whoever completed it: it is written in the completion's transaction. Before, the mechanism queued it itself
/// before the completion, so a completion that failed left the owner told about an action the table showed pending
/// (and then failed, or done with a second attempt at the alert). The real ladder over <see cref="ResponseActions"/>
/// (broker and publisher in memory), the real dispatcher, store and outbox of each dialect; a failure is a trigger
/// planted in the database by the test.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ResponseDispatcherAlertTests : IDisposable
{
    private const string Device = "dev-alert-001";
    private const string Operator = "console:ops@127.0.0.1";
    private const long T0 = 1_800_000_000_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly long Bound = (long)ResponseDispatcher.ReconcileAfter.TotalMilliseconds;
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("dispatch-alert");
    private readonly Clock _clock = new(T0);
    private readonly Broker _broker = new();
    private readonly WebhookSender _webhook = new(allowLoopback: false);

    public ResponseDispatcherAlertTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose()
    {
        _webhook.Dispose();
        _folder.Dispose();
    }

    /// <summary>A done quarantine: one delivery in the outbox, in the database (a restarted dispatcher finds it), and the de-duplication state.</summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_DoneAction_QueuesExactlyOneOutboxRow(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (dispatcher, alerts) = await ComposeAsync(store, sql);

            Assert.True((await dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None)).Done);

            Assert.Equal("done", Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);
            AlertDelivery queued = Assert.Single(Outbox(sql));
            Assert.Equal((Device, "quarantine", DeliveryState.Queued), (queued.DeviceId, queued.Kind, queued.State));
            Assert.Contains("\"state\":\"quarantined\"", queued.Body, StringComparison.Ordinal);
            Assert.Equal("quarantined", new DatabaseAlertStore(sql, "probe", _clock).LastState("acme|" + Device + "|response"));
            Assert.Equal((1, 1L), (alerts.QueueDepth, alerts.Counters.Queued));
            Assert.Equal(1, Restarted(sql).QueueDepth);
        }
    }

    /// <summary>
    /// The completion's transaction fails (the actions row's update refused): the row stays pending and no alert is
    /// queued. The reconciler later reads the broker's quarantine and completes the row done: the alert is queued then,
    /// once, saying so; a second pass adds nothing.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_CompletionFails_NoAlertWhilePending_ReconciledDoneQueuesOne(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (dispatcher, alerts) = await ComposeAsync(store, sql);
            await StoreFactory.PlantFailureAsync(sql, dialect, $"UPDATE ON {Tables.Actions}");

            await Assert.ThrowsAnyAsync<DbException>(() => dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None));

            Assert.Equal("pending", Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);
            Assert.Empty(Outbox(sql));
            Assert.Null(new DatabaseAlertStore(sql, "probe", _clock).LastState("acme|" + Device + "|response"));
            Assert.Equal(0, alerts.QueueDepth);

            await StoreFactory.RemoveFailureAsync(sql, dialect, Tables.Actions);
            _broker.Access = DeviceAccess.Quarantined;
            _clock.Now = T0 + Bound + 1;
            Assert.Equal(1, await dispatcher.ReconcileAsync(None));

            Assert.Equal("done", Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);
            AlertDelivery queued = Assert.Single(Outbox(sql));
            Assert.Equal((Device, "quarantine"), (queued.DeviceId, queued.Kind));
            Assert.Contains("reconciled after a failed record", queued.Body, StringComparison.Ordinal);
            Assert.Equal(1, alerts.QueueDepth);
            Assert.Equal(0, await dispatcher.ReconcileAsync(None));
            Assert.Single(Outbox(sql));
        }
    }

    /// <summary>The completion failed and the broker does not hold the quarantine: reconciled failed, nobody is alerted.</summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_CompletedFailed_QueuesNoAlert(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (dispatcher, alerts) = await ComposeAsync(store, sql);
            await StoreFactory.PlantFailureAsync(sql, dialect, $"UPDATE ON {Tables.Actions}");
            await Assert.ThrowsAnyAsync<DbException>(() => dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None));
            await StoreFactory.RemoveFailureAsync(sql, dialect, Tables.Actions);

            _broker.Access = DeviceAccess.Normal;
            _clock.Now = T0 + Bound + 1;
            Assert.Equal(1, await dispatcher.ReconcileAsync(None));

            Assert.Equal("failed", Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);
            Assert.Empty(Outbox(sql));
            Assert.Equal(0, alerts.QueueDepth);
        }
    }

    /// <summary>The mechanism fails (the broker refuses the role change): recorded failed, nobody is alerted.</summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_FailedMechanism_QueuesNoAlert(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (dispatcher, alerts) = await ComposeAsync(store, sql);
            _broker.Fail = true;

            Assert.False((await dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None)).Done);

            Assert.Equal("failed", Assert.Single(await store.ListActionsAsync(Device, 10, None)).Outcome);
            Assert.Empty(Outbox(sql));
            Assert.Equal(0, alerts.QueueDepth);
        }
    }

    /// <summary>
    /// De-duplication and the rate window with the alert in the completion: a second done quarantine of the same device
    /// is no change (no row); with one alert per window, another device's done quarantine is held for the summary, which
    /// is queued when the window ends; a lift is a change again.
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_DoneActions_DeDuplicatedAndRateLimitedAsNotify(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (dispatcher, alerts) = await ComposeAsync(store, sql, perWindow: 1);
            Assert.True((await dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None)).Done);
            Assert.True((await dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine), None)).Done);
            Assert.Single(Outbox(sql));
            Assert.Equal(1, alerts.Counters.Duplicates);

            Assert.True((await dispatcher.ExecuteAsync(Request(DeviceActionKind.Quarantine, Other), None)).Done);
            Assert.Single(Outbox(sql));
            Assert.Equal(1, alerts.Counters.Summarized);
            Assert.Equal("quarantined", new DatabaseAlertStore(sql, "probe", _clock).LastState("acme|" + Other + "|response"));

            _clock.Now = T0 + (long)TimeSpan.FromMinutes(10).TotalMilliseconds;
            await alerts.DeliverDueAsync();
            AlertDelivery summary = Assert.Single(Outbox(sql), d => d.Kind == "summary");
            Assert.Contains(Other, summary.Body, StringComparison.Ordinal);

            Assert.True((await dispatcher.ExecuteAsync(Request(DeviceActionKind.Lift), None)).Done);
            Assert.Single(Outbox(sql), d => d.Kind == "lift");
        }
    }

    private const string Other = "dev-alert-002";

    /// <summary>
    /// A throttle whose record failed, then a lift done (state normal, its alert queued), then the device's flagged report:
    /// the reconciler records the throttle done but superseded, so the device stays normal and the owner gets no
    /// "throttled" after the lift's "normal" (which would also poison de-duplication for the next real throttle).
    /// </summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ReconcileAsync_ThrottleSupersededByALift_StateAndAlertsOfTheLiftStand(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (dispatcher, alerts) = await ComposeAsync(store, sql);
            await StoreFactory.PlantFailureAsync(sql, dialect, $"UPDATE ON {Tables.Actions}");
            await Assert.ThrowsAnyAsync<DbException>(() => dispatcher.ExecuteAsync(Request(DeviceActionKind.Throttle), None));
            await StoreFactory.RemoveFailureAsync(sql, dialect, Tables.Actions);

            // The device took the throttle (its flagged report after the settle), then an operator lifted it.
            long deviceRef = (await store.GetDeviceAsync(Device, None))!.Ref;
            var batch = new IngestBatch();
            long settled = T0 + (long)ResponseDispatcher.ThrottleSettle.TotalMilliseconds;
            batch.Health.Add(new HealthRow(deviceRef, Device, settled + 1000, 1, 1, 60, 1, 3300, 190, 110, 75, 10, 600, -60, 1, 0, 1, 1 | 16, new byte[] { 0xA0, 1 }));
            await store.CommitAsync(batch, None);
            _clock.Now = settled + 1500;
            Assert.True((await dispatcher.ExecuteAsync(Request(DeviceActionKind.Lift), None)).Done);
            int queued = Outbox(sql).Count;

            _clock.Now = settled + 2000;
            Assert.Equal(1, await dispatcher.ReconcileAsync(None));

            Assert.All(await store.ListActionsAsync(Device, 10, None), a => Assert.Equal("done", a.Outcome));
            Assert.Equal("normal", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Equal(queued, Outbox(sql).Count);
        }
    }

    private static DeviceActionRequest Request(DeviceActionKind kind, string device = Device) => new(device, kind, Operator, "test " + kind);

    private static IReadOnlyList<AlertDelivery> Outbox(SqlDialect sql) => new DatabaseAlertStore(sql, "probe", TimeProvider.System).Deliveries();

    /// <summary>A new dispatcher over the database (a restart): what it finds pending.</summary>
    private AlertDispatcher Restarted(SqlDialect sql) => new(Contacts(), new DatabaseAlertStore(sql, "restarted", _clock), _webhook, null, _clock);

    private static MemoryCustomerContacts Contacts() => new(new CustomerContacts("acme", new Uri("http://127.0.0.1:9/securedevice"), new byte[32], Array.Empty<string>()));

    /// <summary>The service's composition: the ladder's mechanisms without a sink, the alerts over the database's outbox, the dispatcher.</summary>
    private async Task<(ResponseDispatcher Dispatcher, AlertDispatcher Alerts)> ComposeAsync(FleetStore store, SqlDialect sql, int perWindow = 3)
    {
        await store.SyncRegistryAsync(new[] { Entry(Device), Entry(Other) }, T0, None);
        var alerts = new AlertDispatcher(Contacts(), new DatabaseAlertStore(sql, "test-1", _clock), _webhook, null, _clock, options: new AlertDispatcherOptions { PerWindow = perWindow });
        var ladder = new LadderResponse(new LadderPolicy(), _clock);
        ladder.Bind(new ResponseActions(new Directory(), new MemoryActionAudit(), new Publisher(), _broker, new NoRevoker(), _clock), new ServiceStateStore(sql), "test-1", alerts);
        return (new ResponseDispatcher(ladder, store, new ServiceMetrics(), NullLogger.Instance, _clock), alerts);
    }

    private static RegistryEntry Entry(string device) => new(device, "acme", "0A1B2C", new string('a', 64), T0 + 86_400_000L * 365, T0 - 1000, "active", null);

    private sealed class Directory : IDeviceDirectory
    {
        public DeviceInfo? Find(string deviceId) => deviceId is Device or Other ? new DeviceInfo(deviceId, "acme", DeviceStatus.Active) : null;
    }

    private sealed class Publisher : IDeviceCommandPublisher
    {
        public Task<BrokerAccessResult> PublishAsync(DeviceCommand command, CancellationToken cancellation = default) =>
            Task.FromResult(new BrokerAccessResult(BrokerAccessStatus.Done, "ok"));
    }

    /// <summary>Dynamic security: every role change done, or (Fail) refused; the client's role as <see cref="Access"/> says.</summary>
    private sealed class Broker : IBrokerAccessControl
    {
        public bool Fail { get; set; }

        public DeviceAccess Access { get; set; } = DeviceAccess.Normal;

        public Task<BrokerAccessResult> RegisterAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellation = default) => Answer();

        public Task<BrokerAccessResult> QuarantineAsync(string deviceId, CancellationToken cancellation = default) => Answer();

        public Task<BrokerAccessResult> ReleaseAsync(string deviceId, CancellationToken cancellation = default) => Answer();

        public Task<BrokerAccessResult> RemoveAsync(string deviceId, CancellationToken cancellation = default) => Answer();

        public Task<(BrokerAccessResult Result, DeviceAccess Access)> GetAsync(string deviceId, CancellationToken cancellation = default) =>
            Task.FromResult((new BrokerAccessResult(BrokerAccessStatus.Done, "ok"), Access));

        public Task<BrokerSyncResult> SyncAsync(Inventory inventory, CancellationToken cancellation = default) => throw new NotSupportedException();

        private Task<BrokerAccessResult> Answer() => Task.FromResult(new BrokerAccessResult(Fail ? BrokerAccessStatus.Rejected : BrokerAccessStatus.Done, Fail ? "refused" : "ok"));
    }

    private sealed class NoRevoker : IRevoker
    {
        public RevocationResult Revoke(string deviceId, DateTimeOffset now) => throw new NotSupportedException();
    }

    private sealed class Clock(long nowMs) : TimeProvider
    {
        public long Now { get; set; } = nowMs;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Now);
    }
}
