using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// Presence tells the truth about a device the service cut off. A quarantine (or revocation) ends the device's
/// connection at the broker and takes its publish rights, so its will ("offline") never reaches the service and its
/// last retained "online" would stand: every reader (fleet overview, device page, API) would call a disconnected
/// device online. The dispatcher that carried the action out records presence offline, since the kick, with the reason,
/// in the devices row every reader uses. A lift changes nothing: the device is online when it says so again, through
/// ingest. Real store of each dialect, the real ingest pipeline for the device's words, the real dispatcher for the
/// actions (the broker mechanism is a double here: the browser test QuarantineInTheBrowserTests runs the real one).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class QuarantinePresenceTests : IDisposable
{
    private const string Device = "dev-presence-001";
    private const long T0 = 1_800_000_000_000;
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly PostgresFixture _postgres;
    private readonly TemporaryDirectory _folder = new("presence");

    public QuarantinePresenceTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _folder.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Quarantine_CutsPresenceWithTheReason_AStaleOnlineCannotUndoIt_LiftWaitsForTheDevicesOwnOnline(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            var clock = new SettableClock(T0);
            IngestPipeline ingest = await PipelineAsync(store);
            var dispatcher = new ResponseDispatcher(new MechanismDouble(), store, new ServiceMetrics(), NullLogger.Instance, clock);

            await SayAsync(ingest, "online", T0 + 1_000);
            await AssertPresenceAsync(store, "online", T0 + 1_000, null, online: 1);

            // A throttle leaves the connection alone: presence stays what the device said.
            clock.Now = T0 + 5_000;
            Assert.True((await dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Throttle, "console:ops@127.0.0.1", "test"), None)).Done);
            await AssertPresenceAsync(store, "online", T0 + 1_000, null, online: 1);

            // The quarantine: the broker kicked it at T0 + 10 s.
            clock.Now = T0 + 10_000;
            Assert.True((await dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Quarantine, "console:ops@127.0.0.1", "test"), None)).Done);
            const string Why = "quarantined: disconnected by the broker";
            await AssertPresenceAsync(store, "offline", T0 + 10_000, Why, online: 0);
            Assert.Equal("quarantined", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            EventRecord cut = (await store.ListEventsAsync(Device, 0, 100, None)).Single(e => e.ReceivedMs == T0 + 10_000);
            Assert.Equal(("presence", "offline: " + Why), (cut.Kind, cut.Payload));

            // An "online" the service received before the kick, committed after it, changes nothing.
            await SayAsync(ingest, "online", T0 + 9_000);
            await AssertPresenceAsync(store, "offline", T0 + 10_000, Why, online: 0);

            // Lift: the device gets its rights back, but it is not online until it says so.
            clock.Now = T0 + 20_000;
            Assert.True((await dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Lift, "console:ops@127.0.0.1", "test"), None)).Done);
            Assert.Equal("normal", (await store.GetDeviceAsync(Device, None))!.ServiceState);
            await AssertPresenceAsync(store, "offline", T0 + 10_000, Why, online: 0);

            // Its own "online", after the lift: online again, the reason gone.
            await SayAsync(ingest, "online", T0 + 25_000);
            await AssertPresenceAsync(store, "online", T0 + 25_000, null, online: 1);

            // Revocation ends the connection too (its broker client deleted): offline with its own reason.
            clock.Now = T0 + 30_000;
            Assert.True((await dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Revoke, "console:ada@127.0.0.1", "test"), None)).Done);
            await AssertPresenceAsync(store, "offline", T0 + 30_000, "revoked: disconnected by the broker", online: 0);
        }
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task FailedQuarantine_LeavesPresenceAsTheDeviceSaidIt_AndAnUnknownDeviceIsNotCut(string dialect)
    {
        var (store, _) = await StoreFactory.OpenAsync(dialect, _postgres, _folder, T0);
        await using (store)
        {
            IngestPipeline ingest = await PipelineAsync(store);
            await SayAsync(ingest, "online", T0 + 1_000);
            var dispatcher = new ResponseDispatcher(new MechanismDouble { Fail = true }, store, new ServiceMetrics(), NullLogger.Instance, new SettableClock(T0 + 10_000));
            Assert.False((await dispatcher.ExecuteAsync(new DeviceActionRequest(Device, DeviceActionKind.Quarantine, "service", "test"), None)).Done);
            await AssertPresenceAsync(store, "online", T0 + 1_000, null, online: 1); // the broker did not kick it: still connected

            // A done quarantine of a device the devices table lacks is recorded (the audit keeps every attempt); nothing is cut.
            var done = new ResponseDispatcher(new MechanismDouble(), store, new ServiceMetrics(), NullLogger.Instance, new SettableClock(T0 + 20_000));
            Assert.True((await done.ExecuteAsync(new DeviceActionRequest("dev-unknown", DeviceActionKind.Quarantine, "service", "test"), None)).Done);
            Assert.Single(await store.ListActionsAsync("dev-unknown", 10, None));
            Assert.Null(await store.GetDeviceAsync("dev-unknown", None));
            await AssertPresenceAsync(store, "online", T0 + 1_000, null, online: 1);
        }
    }

    /// <summary>What every reader sees: the row (device page, API) and the list the overview counts online devices in.</summary>
    private static async Task AssertPresenceAsync(FleetStore store, string presence, long sinceMs, string? reason, int online)
    {
        DeviceRecord device = (await store.GetDeviceAsync(Device, None))!;
        Assert.Equal((presence, sinceMs, reason), (device.Presence, device.PresenceMs!.Value, device.PresenceReason));
        IReadOnlyList<DeviceRecord> all = await store.ListDevicesAsync(None);
        Assert.Equal(online, all.Count(d => d.Presence == "online"));
        Assert.Equal(reason, all.Single(d => d.DeviceId == Device).PresenceReason);
    }

    /// <summary>The device's retained status message, as the broker delivers it to ingest, received at <paramref name="receivedMs"/>.</summary>
    private static Task SayAsync(IngestPipeline ingest, string status, long receivedMs) => ingest.ProcessAsync(new[]
    {
        new InboundMessage { Topic = "devices/" + Device + "/up/status", Payload = Encoding.ASCII.GetBytes(status), ReceivedMs = receivedMs },
    }, None);

    private static async Task<IngestPipeline> PipelineAsync(FleetStore store)
    {
        await store.SyncRegistryAsync(new[] { new RegistryEntry(Device, "acme", "0A1B2C", new string('a', 64), T0 + 86_400_000L * 365, T0 - 1000, "active", null) }, T0, None);
        var registry = new DeviceRegistry();
        registry.Replace(await store.ListDevicesAsync(None));
        return new IngestPipeline(store, error => error is TimeoutException, registry, new ServiceMetrics(), Array.Empty<IIngestObserver>(), null, () => 0,
            new IngestOptions(), NullLogger.Instance, TimeProvider.System);
    }

    /// <summary>The response mechanism (broker, PKI) reduced to its answer: done, or failed.</summary>
    private sealed class MechanismDouble : IDeviceResponse
    {
        public bool Fail { get; init; }

        public Task OnSignalAsync(DeviceSignal signal, IDeviceActions actions, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(Fail ? ActionOutcome.Failed("the broker did not answer") : ActionOutcome.Succeeded(request.Kind + " done"));
    }

    private sealed class SettableClock(long nowMs) : TimeProvider
    {
        public long Now { get; set; } = nowMs;

        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Now);
    }
}
