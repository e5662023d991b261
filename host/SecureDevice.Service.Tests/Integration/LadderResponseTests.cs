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
/// The ladder's own rows (<c>ladder_state</c>, <c>ladder_refusals</c>) change in the transaction of the action's record
/// and the device's state. Written apart, a crash between them left a done throttle without its ladder row (the next
/// offence throttled again instead of quarantining), and a lift deleted the ladder before its audit row was written (a
/// lift whose record failed had already forgotten the ladder). The real ladder over <see cref="ResponseActions"/> (broker
/// and publisher in memory) and the real dispatcher and store of each dialect; a failure is a trigger planted in the
/// database by the test.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LadderResponseTests : IDisposable
{
    private const string Device = "dev-ladder-001";
    private const string Operator = "console:ops@127.0.0.1";
    private const long T0 = 1_800_000_000_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly LadderPolicy Policy = new() { BadMessages = 5, Grace = TimeSpan.FromMinutes(5) };
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("ladder-record");
    private readonly Clock _clock = new(T0);
    private readonly Broker _broker = new();
    private readonly Publisher _publisher = new();

    public LadderResponseTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    public static readonly object[][] FailingThrottleSteps =
    {
        // The first statement, the audit row's completion: the ladder row must not be written apart from it.
        new object[] { "sqlite", $"UPDATE ON {Tables.Actions}" }, new object[] { "postgres", $"UPDATE ON {Tables.Actions}" },
        // The last one, the ladder row: the audit row's outcome and the state must go with it.
        new object[] { "sqlite", $"INSERT ON {ServiceStateSchema.LadderState}" }, new object[] { "postgres", $"INSERT ON {ServiceStateSchema.LadderState}" },
    };

    public static readonly object[][] FailingLiftSteps =
    {
        // The lift's audit row's completion: the ladder must not have been forgotten before it.
        new object[] { "sqlite", $"UPDATE ON {Tables.Actions}" }, new object[] { "postgres", $"UPDATE ON {Tables.Actions}" },
        // The last statement, forgetting the refused messages: the audit row's outcome, the state and the ladder row stay as they were.
        new object[] { "sqlite", $"DELETE ON {ServiceStateSchema.LadderRefusals}" }, new object[] { "postgres", $"DELETE ON {ServiceStateSchema.LadderRefusals}" },
    };

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task OnSignalAsync_DoneThrottleThenQuarantine_RecordStateAndLadderRowCommitTogether(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (ladder, dispatcher) = await ComposeAsync(store, sql);

            await ladder.OnSignalAsync(Offence(), dispatcher, None);

            StoredAction throttle = Assert.Single(await store.ListActionsAsync(Device, 10, None));
            Assert.Equal(("throttle", "done"), (throttle.Kind, throttle.Outcome));
            Assert.Equal("throttled", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Equal(new LadderRow(Device, 1, T0, null, T0, "test-1"), await new ServiceStateStore(sql).GetLadderAsync(Device, None));

            // The escalation reads that row: an offence after the grace quarantines, and the row says since when.
            _clock.Now = T0 + (long)Policy.Grace.TotalMilliseconds;
            await ladder.OnSignalAsync(Offence(), dispatcher, None);

            Assert.Equal(new[] { "quarantine done", "throttle done" }, (await store.ListActionsAsync(Device, 10, None)).Select(a => a.Kind + " " + a.Outcome));
            Assert.Equal("quarantined", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Equal(new LadderRow(Device, 2, T0, _clock.Now, _clock.Now, "test-1"), await new ServiceStateStore(sql).GetLadderAsync(Device, None));
        }
    }

    [Theory]
    [MemberData(nameof(FailingThrottleSteps))]
    public async Task OnSignalAsync_AStepOfTheThrottlesRecordFails_TheAuditRowStaysPendingNeitherTheStateNorTheLadderRowRemains(string dialect, string failing)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (ladder, dispatcher) = await ComposeAsync(store, sql);
            await StoreFactory.PlantFailureAsync(sql, dialect, failing);

            await Assert.ThrowsAnyAsync<DbException>(() => ladder.OnSignalAsync(Offence(), dispatcher, None));

            Assert.Equal("throttle pending", (await store.ListActionsAsync(Device, 10, None)).Select(a => a.Kind + " " + a.Outcome).Single());
            Assert.Equal("normal", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Null(await new ServiceStateStore(sql).GetLadderAsync(Device, None));
        }
    }

    /// <summary>A failed action is recorded and changes nothing: no ladder row (the next offence tries the throttle again).</summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task OnSignalAsync_ThrottleFails_IsRecordedWithoutALadderRow(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (ladder, dispatcher) = await ComposeAsync(store, sql);
            _publisher.Fail = true;

            await ladder.OnSignalAsync(Offence(), dispatcher, None);

            StoredAction throttle = Assert.Single(await store.ListActionsAsync(Device, 10, None));
            Assert.Equal(("throttle", "failed"), (throttle.Kind, throttle.Outcome));
            Assert.Equal("normal", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Null(await new ServiceStateStore(sql).GetLadderAsync(Device, None));
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_DoneLift_DeletesTheLadderAndRefusalRowsWithItsAuditRow_TheNextOffenceThrottlesAgain(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (ladder, dispatcher) = await ComposeAsync(store, sql);
            await QuarantineAsync(ladder, dispatcher, sql);

            Assert.True((await dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Lift, Operator, "fixed"), None)).Done);

            Assert.Equal("lift done", (await store.ListActionsAsync(Device, 10, None)).Select(a => a.Kind + " " + a.Outcome).First());
            Assert.Equal("normal", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Null(await new ServiceStateStore(sql).GetLadderAsync(Device, None));
            Assert.Equal(0, await StoreFactory.LadderRefusalsAsync(sql, Device, rows: true));

            // Re-armed: a new offence is a first one again.
            await ladder.OnSignalAsync(Offence(), dispatcher, None);
            Assert.Equal("throttle done", (await store.ListActionsAsync(Device, 10, None)).Select(a => a.Kind + " " + a.Outcome).First());
            Assert.Equal(1, (await new ServiceStateStore(sql).GetLadderAsync(Device, None))!.Step);
        }
    }

    [Theory]
    [MemberData(nameof(FailingLiftSteps))]
    public async Task ExecuteAsync_AStepOfTheLiftsRecordFails_TheLadderRowsStayAndTheAuditRowPending(string dialect, string failing)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (ladder, dispatcher) = await ComposeAsync(store, sql);
            LadderRow quarantined = await QuarantineAsync(ladder, dispatcher, sql);
            long refusals = await StoreFactory.LadderRefusalsAsync(sql, Device, rows: true);
            await StoreFactory.PlantFailureAsync(sql, dialect, failing);

            await Assert.ThrowsAnyAsync<DbException>(() => dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Lift, Operator, "fixed"), None));

            Assert.Equal(new[] { "lift pending", "quarantine done", "throttle done" }, (await store.ListActionsAsync(Device, 10, None)).Select(a => a.Kind + " " + a.Outcome));
            Assert.Equal("quarantined", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Equal(quarantined, await new ServiceStateStore(sql).GetLadderAsync(Device, None));
            Assert.Equal(refusals, await StoreFactory.LadderRefusalsAsync(sql, Device, rows: true));
        }
    }

    /// <summary>A failed lift is recorded and changes nothing: the ladder keeps the device's step and refused messages.</summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_FailedLift_IsRecordedAndKeepsTheLadderRows(string dialect)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var (ladder, dispatcher) = await ComposeAsync(store, sql);
            LadderRow quarantined = await QuarantineAsync(ladder, dispatcher, sql);
            long refusals = await StoreFactory.LadderRefusalsAsync(sql, Device, rows: true);
            _broker.Fail = true;

            Assert.False((await dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Lift, Operator, "fixed"), None)).Done);

            Assert.Equal("lift failed", (await store.ListActionsAsync(Device, 10, None)).Select(a => a.Kind + " " + a.Outcome).First());
            Assert.Equal("quarantined", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            Assert.Equal(quarantined, await new ServiceStateStore(sql).GetLadderAsync(Device, None));
            Assert.Equal(refusals, await StoreFactory.LadderRefusalsAsync(sql, Device, rows: true));
        }
    }

    /// <summary>The service's composition: the ladder bound to the mechanisms and the database, acting through the dispatcher.</summary>
    private async Task<(LadderResponse Ladder, ResponseDispatcher Dispatcher)> ComposeAsync(FleetStore store, SqlDialect sql)
    {
        await store.SyncRegistryAsync(new[] { new RegistryEntry(Device, "acme", "0A1B2C", new string('a', 64), T0 + 86_400_000L * 365, T0 - 1000, "active", null) }, T0, None);
        var ladder = new LadderResponse(Policy, _clock);
        ladder.Bind(new ResponseActions(new Directory(), new MemoryActionAudit(), _publisher, _broker, new NoRevoker(), _clock), new ServiceStateStore(sql), "test-1");
        return (ladder, new ResponseDispatcher(ladder, store, new ServiceMetrics(), NullLogger.Instance, _clock));
    }

    /// <summary>Throttled at T0, quarantined a grace later, through the ladder; the ladder's row then.</summary>
    private async Task<LadderRow> QuarantineAsync(LadderResponse ladder, ResponseDispatcher dispatcher, SqlDialect sql)
    {
        await ladder.OnSignalAsync(Offence(), dispatcher, None);
        _clock.Now = T0 + (long)Policy.Grace.TotalMilliseconds;
        await ladder.OnSignalAsync(Offence(), dispatcher, None);
        LadderRow row = (await new ServiceStateStore(sql).GetLadderAsync(Device, None))!;
        Assert.Equal(2, row.Step);
        return row;
    }

    private DeviceSignal Offence() => new(Device, "acme", "malformed-cbor", Policy.BadMessages, "garbage", _clock.Now);

    private sealed class Directory : IDeviceDirectory
    {
        public DeviceInfo? Find(string deviceId) => deviceId == Device ? new DeviceInfo(Device, "acme", DeviceStatus.Active) : null;
    }

    /// <summary>The service's MQTT connection: the broker acknowledges the command, or (Fail) does not answer.</summary>
    private sealed class Publisher : IDeviceCommandPublisher
    {
        public bool Fail { get; set; }

        public Task<BrokerAccessResult> PublishAsync(DeviceCommand command, CancellationToken cancellation = default) =>
            Task.FromResult(new BrokerAccessResult(Fail ? BrokerAccessStatus.Unreachable : BrokerAccessStatus.Done, Fail ? "no answer" : "ok"));
    }

    /// <summary>Dynamic security: every role change done, or (Fail) refused.</summary>
    private sealed class Broker : IBrokerAccessControl
    {
        public bool Fail { get; set; }

        public Task<BrokerAccessResult> RegisterAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellation = default) => Answer();

        public Task<BrokerAccessResult> QuarantineAsync(string deviceId, CancellationToken cancellation = default) => Answer();

        public Task<BrokerAccessResult> ReleaseAsync(string deviceId, CancellationToken cancellation = default) => Answer();

        public Task<BrokerAccessResult> RemoveAsync(string deviceId, CancellationToken cancellation = default) => Answer();

        public Task<(BrokerAccessResult Result, DeviceAccess Access)> GetAsync(string deviceId, CancellationToken cancellation = default) => throw new NotSupportedException();

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
