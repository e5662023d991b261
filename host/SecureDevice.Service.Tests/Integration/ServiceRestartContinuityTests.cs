using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Lab.Alerts;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.EndToEnd;
using SecureDevice.Service.Tests.Storage;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// The service's working state survives a restart (real mosquitto with dynamic security, the real service twice on
/// one database): a device throttled before the restart that keeps offending is quarantined after it (not throttled
/// again); the throttle alert that was retrying against a down webhook is delivered after it, same document, more
/// attempts; a device's baseline learnt before it flags a coin miner right after it. And stored update events reach
/// detection: a device that rejected a tampered bundle gets an update-rejected finding.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ServiceRestartContinuityTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();
    private readonly PostgresFixture _postgres;

    public ServiceRestartContinuityTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _lab.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Restart_MidLadderAndMidRetry_QuarantinedNotRethrottled_AlertResumed_BaselineKept(string dialect)
    {
        string? url = dialect == "postgres" ? _postgres.NewDatabase() : null;
        EnrolledDevice junk = _lab.Enroll("junk", 1, owner: "initech")[0];
        EnrolledDevice miner = _lab.Enroll("mine", 1)[0];
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        using var inbox = WebhookInbox.Start(secret);
        inbox.Down = true;
        string contacts = Path.Combine(_lab.Lab.Folder, "contacts.json");
        FileCustomerContacts.Save(contacts, new[]
        {
            new CustomerContacts("initech", inbox.Url, secret, Array.Empty<string>()),
            new CustomerContacts("acme", inbox.Url, secret, Array.Empty<string>()),
        });
        IntegrationOptions integrationOptions = new()
        {
            ContactsFile = contacts,
            AllowLoopbackWebhooks = true,
            TrafficWindow = TimeSpan.FromHours(1),
            TickInterval = TimeSpan.FromSeconds(1),
            // Only the clean stop snapshots detection: what the second run knows of the miner came through the database.
            SnapshotInterval = TimeSpan.FromHours(1),
            Ladder = new LadderPolicy { BadMessages = 10, Grace = TimeSpan.FromSeconds(2) },
            Alerts = new AlertDispatcherOptions
            {
                PollInterval = TimeSpan.FromMilliseconds(100),
                Retry = new RetryPolicy { Base = TimeSpan.FromMilliseconds(200), Floor = TimeSpan.FromMilliseconds(100), Cap = TimeSpan.FromMilliseconds(400), MaxAttempts = 100 },
            },
        };
        ServiceOptions options = _lab.Options(url) with { Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000) } };
        DevicePublisher minerPublisher = (await _lab.ConnectAsync(new[] { miner }))[0];
        DevicePublisher junkPublisher = (await _lab.ConnectAsync(new[] { junk }))[0];
        int refusedBefore;
        var first = new FleetIntegration(integrationOptions);
        await using (RunningService service = await _lab.StartAsync(options, first.Extensions))
        {
            IFleetStore store = service.Service.Store;
            for (int seq = 0; seq < 14; seq++)
            {
                await minerPublisher.PublishHealthAsync(1, seq, None);
            }

            await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) == 14, TimeSpan.FromSeconds(20), "the miner's baseline reports");
            for (int i = 0; i < 12; i++)
            {
                await junkPublisher.PublishAsync("health", Encoding.ASCII.GetBytes("garbage " + i), None);
            }

            await ServiceLab.WaitUntil(async () => (await store.ListActionsAsync(junk.Id, 10, None)).Any(a => a.Kind == "throttle" && a.Outcome == "done"), TimeSpan.FromSeconds(20), "the throttle");
            await ServiceLab.WaitUntil(() => Task.FromResult(inbox.Refused.Count(a => a.Device == junk.Id && a.Kind == "throttle") >= 2), TimeSpan.FromSeconds(20), "two refused attempts of the throttle alert");
            refusedBefore = inbox.Refused.Count(a => a.Device == junk.Id && a.Kind == "throttle");
        }

        first.Dispose();

        // The second run: same database, new process state.
        var second = new FleetIntegration(integrationOptions);
        await using (RunningService service = await _lab.StartAsync(options, second.Extensions))
        {
            IFleetStore store = service.Service.Store;
            await ServiceLab.WaitUntil(() => Task.FromResult(second.Detection.Restored >= 1), TimeSpan.FromSeconds(20), "the detection state restored");
            AlertDelivery pending = Assert.Single(new DatabaseAlertStore(service.Service.Dialect, "probe", TimeProvider.System).PendingDeliveries(), d => d.DeviceId == junk.Id && d.Kind == "throttle");
            Assert.True(pending.Attempts >= refusedBefore);

            // The endpoint is back: the same alert document arrives, once.
            inbox.Down = false;
            await ServiceLab.WaitUntil(() => Task.FromResult(inbox.Snapshot().Any(a => a.Device == junk.Id && a.Kind == "throttle")), TimeSpan.FromSeconds(20), "the resumed throttle alert");
            ReceivedAlert throttleAlert = Assert.Single(inbox.Snapshot(), a => a.Device == junk.Id && a.Kind == "throttle");
            Assert.True(throttleAlert.SignatureValid);
            Assert.All(inbox.Refused.Where(a => a.Device == junk.Id && a.Kind == "throttle"), r => Assert.Equal(r.Body, throttleAlert.Body));

            // The throttled device keeps sending garbage after the grace period: quarantined, not throttled a second time.
            await Task.Delay(TimeSpan.FromSeconds(2.5));
            for (int i = 0; i < 12 && junkPublisher.Connected; i++)
            {
                await Quietly(() => junkPublisher.PublishAsync("health", Encoding.ASCII.GetBytes("more garbage " + i), None));
            }

            await ServiceLab.WaitUntil(async () => (await store.ListActionsAsync(junk.Id, 10, None)).Any(a => a.Kind == "quarantine" && a.Outcome == "done"), TimeSpan.FromSeconds(20), "the quarantine");
            Assert.Single(await store.ListActionsAsync(junk.Id, 10, None), a => a.Kind == "throttle");
            using (DynamicSecurityAdmin admin = _lab.Lab.Admin())
            {
                Assert.Equal(DeviceAccess.Quarantined, (await admin.GetAsync(junk.Id)).Access);
            }

            LadderRow? row = await new ServiceStateStore(service.Service.Dialect).GetLadderAsync(junk.Id, None);
            Assert.Equal(2, row?.Step);

            // The miner's baseline was learnt before the restart: four mining reports after it are enough.
            for (int seq = 14; seq < 18; seq++)
            {
                await minerPublisher.PublishAsync("health", HealthReports.Miner(1, seq), None);
            }

            await ServiceLab.WaitUntil(async () => (await store.ListFindingsAsync(miner.Id, true, 10, None)).Any(f => f.Rule == "coin-miner"), TimeSpan.FromSeconds(20), "a coin-miner finding");
        }

        second.Dispose();
        await minerPublisher.DisposeAsync();
        await junkPublisher.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task Restart_RefusedMessagesBeforeAndAfter_AddUpToTheThrottle(string dialect)
    {
        // 10 refused messages within the window make an offence: 6 before the stop and 6 after it are one offence only
        // if the count survived the stop (it is written at each signal, so a kill -9 keeps it the same way).
        string? url = dialect == "postgres" ? _postgres.NewDatabase() : null;
        EnrolledDevice junk = _lab.Enroll("junk", 1, owner: "initech")[0];
        var integrationOptions = new IntegrationOptions { Ladder = new LadderPolicy { BadMessages = 10 } };
        ServiceOptions options = _lab.Options(url) with { Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000) } };
        await using DevicePublisher junkPublisher = (await _lab.ConnectAsync(new[] { junk }))[0];
        using (var first = new FleetIntegration(integrationOptions))
        {
            await using RunningService service = await _lab.StartAsync(options, first.Extensions);
            for (int i = 0; i < 6; i++)
            {
                await junkPublisher.PublishAsync("health", Encoding.ASCII.GetBytes("garbage " + i), None);
            }

            await ServiceLab.WaitUntil(async () => await StoreFactory.LadderRefusalsAsync(service.Service.Dialect, junk.Id, rows: false) == 6, TimeSpan.FromSeconds(20), "six refusals counted by the ladder");
            Assert.Empty(await service.Service.Store.ListActionsAsync(junk.Id, 10, None));
        }

        using (var second = new FleetIntegration(integrationOptions))
        {
            await using RunningService service = await _lab.StartAsync(options, second.Extensions);
            for (int i = 0; i < 6; i++)
            {
                await junkPublisher.PublishAsync("health", Encoding.ASCII.GetBytes("more garbage " + i), None);
            }

            await ServiceLab.WaitUntil(async () => (await service.Service.Store.ListActionsAsync(junk.Id, 10, None)).Any(a => a.Kind == "throttle" && a.Outcome == "done"),
                TimeSpan.FromSeconds(20), "the throttle after the restart");
            Assert.Equal(12, await StoreFactory.LadderRefusalsAsync(service.Service.Dialect, junk.Id, rows: false));
        }
    }

    [Fact]
    public async Task UpdateEvent_RejectedTamperedBundle_UpdateRejectedFindingStored()
    {
        EnrolledDevice device = _lab.Enroll("upd", 1)[0];
        using var integration = new FleetIntegration(new IntegrationOptions { TickInterval = TimeSpan.FromSeconds(1) });
        await using RunningService service = await _lab.StartAsync(_lab.Options(), integration.Extensions);
        IFleetStore store = service.Service.Store;
        await using DevicePublisher publisher = (await _lab.ConnectAsync(new[] { device }))[0];
        await publisher.PublishHealthAsync(1, 0, None);

        // A progress event (no outcome) and a fault judge nothing here; the rejection of a bundle whose file hash differs does.
        await publisher.PublishAsync("update", Encoding.ASCII.GetBytes("{\"state\":\"downloading\",\"outcome\":\"none\",\"code\":0,\"boot\":1,\"seq\":1}"), None);
        await publisher.PublishAsync("events", Encoding.ASCII.GetBytes("{\"e\":\"fault\",\"code\":\"main-loop\",\"count\":1,\"boot\":1}"), None);
        await ServiceLab.WaitUntil(async () => (await store.ListEventsAsync(device.Id, 0, 10, None)).Count == 2, TimeSpan.FromSeconds(20), "the first events");
        await Task.Delay(500);
        Assert.DoesNotContain(await store.ListFindingsAsync(device.Id, true, 10, None), f => f.Rule == "update-rejected");

        UpdateOutcome rejected = UpdateOutcomes.Rejected(BundleStatus.FileHashMismatch);
        int outcome = UpdateOutcomeCode.Of(rejected);
        string json = "{\"state\":\"idle\",\"outcome\":\"" + UpdateOutcomes.Name(rejected) + "\",\"code\":" + outcome + ",\"boot\":1,\"seq\":2}";
        await publisher.PublishAsync("update", Encoding.ASCII.GetBytes(json), None);
        await ServiceLab.WaitUntil(async () => (await store.ListFindingsAsync(device.Id, true, 10, None)).Any(f => f.Rule == "update-rejected"), TimeSpan.FromSeconds(20), "the update-rejected finding");
        FindingRecord finding = Assert.Single(await store.ListFindingsAsync(device.Id, true, 10, None), f => f.Rule == "update-rejected");
        Assert.Equal("critical", finding.Severity);
        Assert.Contains("tampered", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FaultEvent_RollbackRefused_CriticalUpdateRejectedStored_DetailNotShown()
    {
        // The fault's code reaches detection through the worker; its detail (device text) does not reach the evidence.
        EnrolledDevice device = _lab.Enroll("rbk", 1)[0];
        using var integration = new FleetIntegration(new IntegrationOptions { TickInterval = TimeSpan.FromSeconds(1) });
        await using RunningService service = await _lab.StartAsync(_lab.Options(), integration.Extensions);
        IFleetStore store = service.Service.Store;
        await using DevicePublisher publisher = (await _lab.ConnectAsync(new[] { device }))[0];
        await publisher.PublishHealthAsync(1, 0, None);
        await publisher.PublishAsync("events", Encoding.ASCII.GetBytes("{\"e\":\"fault\",\"code\":\"rollback-refused\",\"count\":1,\"boot\":1,\"detail\":\"<b>x</b>\"}"), None);
        await ServiceLab.WaitUntil(async () => (await store.ListFindingsAsync(device.Id, true, 10, None)).Any(f => f.Rule == "update-rejected"), TimeSpan.FromSeconds(20), "the update-rejected finding");
        FindingRecord finding = Assert.Single(await store.ListFindingsAsync(device.Id, true, 10, None), f => f.Rule == "update-rejected");
        Assert.Equal("critical", finding.Severity);
        Assert.Contains("update state lost", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", finding.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FaultEvent_FloorUnknown_CriticalStorageFailedStored_DetailNotShown()
    {
        // A boot that read neither update record runs nothing: its owner hears it, in the service's words only.
        EnrolledDevice device = _lab.Enroll("flr", 1)[0];
        using var integration = new FleetIntegration(new IntegrationOptions { TickInterval = TimeSpan.FromSeconds(1) });
        await using RunningService service = await _lab.StartAsync(_lab.Options(), integration.Extensions);
        IFleetStore store = service.Service.Store;
        await using DevicePublisher publisher = (await _lab.ConnectAsync(new[] { device }))[0];
        await publisher.PublishHealthAsync(1, 0, None);
        await publisher.PublishAsync("events", Encoding.ASCII.GetBytes("{\"e\":\"fault\",\"code\":\"floor-unknown\",\"count\":1,\"boot\":1,\"detail\":\"<b>x</b>\"}"), None);
        await ServiceLab.WaitUntil(async () => (await store.ListFindingsAsync(device.Id, true, 10, None)).Any(f => f.Rule == "storage-failed"), TimeSpan.FromSeconds(20), "the storage-failed finding");
        FindingRecord finding = Assert.Single(await store.ListFindingsAsync(device.Id, true, 10, None), f => f.Rule == "storage-failed");
        Assert.Equal("critical", finding.Severity);
        Assert.Contains("runs no application", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain(await store.ListFindingsAsync(device.Id, true, 10, None), f => f.Rule == "update-rejected");
    }

    [Fact]
    public async Task FaultEvent_FloorSaveFailed_WarningFloorSaveFailedStored_DetailNotShown()
    {
        // The device runs, but its flash refused its floor record: a warning for its owner, in the service's words only.
        EnrolledDevice device = _lab.Enroll("fsv", 1)[0];
        using var integration = new FleetIntegration(new IntegrationOptions { TickInterval = TimeSpan.FromSeconds(1) });
        await using RunningService service = await _lab.StartAsync(_lab.Options(), integration.Extensions);
        IFleetStore store = service.Service.Store;
        await using DevicePublisher publisher = (await _lab.ConnectAsync(new[] { device }))[0];
        await publisher.PublishHealthAsync(1, 0, None);
        await publisher.PublishAsync("events", Encoding.ASCII.GetBytes("{\"e\":\"fault\",\"code\":\"floor-save-failed\",\"count\":1,\"boot\":1,\"detail\":\"<b>x</b>\"}"), None);
        await ServiceLab.WaitUntil(async () => (await store.ListFindingsAsync(device.Id, true, 10, None)).Any(f => f.Rule == "floor-save-failed"), TimeSpan.FromSeconds(20), "the floor-save-failed finding");
        FindingRecord finding = Assert.Single(await store.ListFindingsAsync(device.Id, true, 10, None), f => f.Rule == "floor-save-failed");
        Assert.Equal("warning", finding.Severity);
        Assert.True(finding.TrustsDevice);
        Assert.Contains("refused to save its floor record", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", finding.Evidence, StringComparison.Ordinal);
        Assert.DoesNotContain(await store.ListFindingsAsync(device.Id, true, 10, None), f => f.Rule == "storage-failed");
    }

    private static async Task Quietly(Func<Task> publish)
    {
        try
        {
            await publish();
        }
        catch (Exception error) when (error is InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
        }
    }
}
