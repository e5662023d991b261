using System;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// What the dispatcher writes after an action is one transaction: the audit record's outcome, the device's service
/// state and the presence cut. Written in three calls, a reader (console, API, another instance, a test) could see a
/// done action with the device's old state (CI once did, in OperatorResponseTests), and a crash between them left a
/// done quarantine on a device still "normal", from which the ladder went on after a restart. A failure at any step
/// leaves none of the three: the record stays as its intent, pending. Real store of each dialect; the failure is a
/// trigger planted in the database by the test.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ResponseDispatcherRecordTests : IDisposable
{
    private const string Device = "dev-record-001";
    private const long T0 = 1_800_000_000_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("dispatch-record");

    public ResponseDispatcherRecordTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    public static readonly object[][] FailingSteps =
    {
        // The state's update fails (a throttle: no cut): the record must go with it.
        new object[] { "sqlite", "state" }, new object[] { "postgres", "state" },
        // The last step, the cut's presence event, fails (a quarantine): the record and the state must go with it.
        new object[] { "sqlite", "cut" }, new object[] { "postgres", "cut" },
    };

    [Theory]
    [MemberData(nameof(FailingSteps))]
    public async Task ExecuteAsync_AStepOfTheRecordFails_TheRowStaysPendingAndNeitherTheStateNorTheCutRemains(string dialect, string step)
    {
        var (store, sql) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            await StoreFactory.PlantFailureAsync(sql, dialect, step == "state" ? $"UPDATE OF service_state ON {Tables.Devices}" : $"INSERT ON {Tables.Events}");
            var dispatcher = new ResponseDispatcher(new Mechanism(), store, new ServiceMetrics(), NullLogger.Instance, new Clock(T0 + 10_000));
            DeviceActionKind kind = step == "state" ? DeviceActionKind.Throttle : DeviceActionKind.Quarantine;

            await Assert.ThrowsAnyAsync<DbException>(() => dispatcher.ExecuteAsync(new DeviceActionRequest(Device, kind, "console:ops@127.0.0.1", "test"), None));

            // The intent, written before the mechanism ran, stays pending: the reconciler completes it from the broker.
            ActionRecord pending = Assert.Single(await store.ListActionsAsync(Device, 10, None));
            Assert.Equal((ActionRecord.Pending, (string?)null, (long?)null), (pending.Outcome, pending.Detail, pending.CompletedMs));
            DeviceRecord device = (await store.GetDeviceAsync(Device, None))!;
            Assert.Equal(("normal", "unknown", (long?)null), (device.ServiceState, device.Presence, device.PresenceMs));
            Assert.Empty(await store.ListEventsAsync(Device, 0, 10, None));
        }
    }

    /// <summary>A failed action is recorded and changes nothing: neither the service state nor presence.</summary>
    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task ExecuteAsync_FailedQuarantine_IsRecordedAndChangesNoStateNorPresence(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            await RegisterAsync(store);
            var dispatcher = new ResponseDispatcher(new Mechanism { Fail = true }, store, new ServiceMetrics(), NullLogger.Instance, new Clock(T0 + 10_000));

            Assert.False((await dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Quarantine, "service", "test"), None)).Done);

            ActionRecord action = Assert.Single(await store.ListActionsAsync(Device, 10, None));
            Assert.Equal(("quarantine", "failed", "the broker did not answer", T0 + 10_000), (action.Kind, action.Outcome, action.Detail, action.AtMs));
            DeviceRecord device = (await store.GetDeviceAsync(Device, None))!;
            Assert.Equal(("normal", "unknown", (long?)null), (device.ServiceState, device.Presence, device.PresenceMs));
            Assert.Empty(await store.ListEventsAsync(Device, 0, 10, None));
        }
    }

    private static Task RegisterAsync(FleetStore store) =>
        store.SyncRegistryAsync(new[] { new RegistryEntry(Device, "acme", "0A1B2C", new string('a', 64), T0 + 86_400_000L * 365, T0 - 1000, "active", null) }, T0, None);

    /// <summary>The response mechanism (broker, PKI) reduced to its answer: done, or failed.</summary>
    private sealed class Mechanism : IDeviceResponse
    {
        public bool Fail { get; init; }

        public Task OnSignalAsync(DeviceSignal signal, IDeviceActions actions, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(Fail ? ActionOutcome.Failed("the broker did not answer") : ActionOutcome.Succeeded(request.Kind + " done"));
    }

    private sealed class Clock(long nowMs) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
    }
}
