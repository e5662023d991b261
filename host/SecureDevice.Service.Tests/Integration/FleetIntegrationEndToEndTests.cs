using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
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
using Xunit.Abstractions;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// The whole loop with real mosquitto (dynamic-security plugin), the real service, detection and the response ladder:
/// among healthy devices, one sends garbage (throttled, then quarantined: its publishes stop reaching the service; its
/// owner's webhook gets both alerts, signed) and one turns coin miner (a coin-miner finding stored and alerted).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FleetIntegrationEndToEndTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();
    private readonly PostgresFixture _postgres;
    private readonly ITestOutputHelper _output;

    public FleetIntegrationEndToEndTests(PostgresFixture postgres, ITestOutputHelper output)
    {
        _postgres = postgres;
        _output = output;
    }

    public void Dispose() => _lab.Dispose();

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task GarbageDevice_ThrottledThenQuarantined_OwnerAlerted_MinerFlagged_HealthyStored(string dialect)
    {
        string? url = dialect == "postgres" ? _postgres.NewDatabase() : null;
        IReadOnlyList<EnrolledDevice> healthy = _lab.Enroll("ok", 3);
        EnrolledDevice junk = _lab.Enroll("junk", 1, owner: "initech")[0];
        EnrolledDevice miner = _lab.Enroll("mine", 1)[0];
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        using var inbox = WebhookInbox.Start(secret);
        string contacts = Path.Combine(_lab.Lab.Folder, "contacts.json");
        FileCustomerContacts.Save(contacts, new[]
        {
            new CustomerContacts("initech", inbox.Url, secret, Array.Empty<string>()),
            new CustomerContacts("acme", inbox.Url, secret, Array.Empty<string>()),
        });
        using var integration = new FleetIntegration(new IntegrationOptions
        {
            ContactsFile = contacts,
            AllowLoopbackWebhooks = true,
            // No traffic window closes during the test: the healthy devices send a day's reports in seconds.
            TrafficWindow = TimeSpan.FromHours(1),
            TickInterval = TimeSpan.FromSeconds(1),
            Ladder = new LadderPolicy { BadMessages = 10, Grace = TimeSpan.FromSeconds(2) },
        });
        ServiceOptions options = _lab.Options(url) with { Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000) } };
        await using RunningService service = await _lab.StartAsync(options, integration.Extensions);
        IFleetStore store = service.Service.Store;
        DevicePublisher[] good = await _lab.ConnectAsync(healthy.Append(miner));
        DevicePublisher junkPublisher = (await _lab.ConnectAsync(new[] { junk }))[0];

        // A baseline: 14 normal reports from every healthy device and the future miner.
        for (int seq = 0; seq < 14; seq++)
        {
            await Task.WhenAll(good.Select(p => p.PublishHealthAsync(1, seq, None)));
        }

        await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) == 4 * 14, TimeSpan.FromSeconds(20), "the baseline reports");

        // The miner: load, current and bytes up, with no version change.
        DevicePublisher minerPublisher = good[3];
        for (int seq = 14; seq < 18; seq++)
        {
            await minerPublisher.PublishAsync("health", HealthReports.Miner(1, seq), None);
        }

        await ServiceLab.WaitUntil(async () => (await store.ListFindingsAsync(miner.Id, true, 10, None)).Any(f => f.Rule == "coin-miner"), TimeSpan.FromSeconds(20), "a coin-miner finding");

        // The garbage device: throttled first.
        for (int i = 0; i < 12; i++)
        {
            await junkPublisher.PublishAsync("health", Encoding.ASCII.GetBytes("garbage " + i), None);
        }

        await ServiceLab.WaitUntil(async () => (await store.ListActionsAsync(junk.Id, 10, None)).Any(a => a.Kind == "throttle" && a.Outcome == "done"), TimeSpan.FromSeconds(20), "the throttle");
        Assert.DoesNotContain(await store.ListActionsAsync(junk.Id, 10, None), a => a.Kind == "quarantine");

        // It keeps on after the grace period: quarantined (the plugin disconnects it).
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        for (int i = 0; i < 12 && junkPublisher.Connected; i++)
        {
            await Quietly(() => junkPublisher.PublishAsync("health", Encoding.ASCII.GetBytes("more garbage " + i), None));
        }

        await ServiceLab.WaitUntil(async () => (await store.ListActionsAsync(junk.Id, 10, None)).Any(a => a.Kind == "quarantine" && a.Outcome == "done"), TimeSpan.FromSeconds(20), "the quarantine");
        using (DynamicSecurityAdmin admin = _lab.Lab.Admin())
        {
            Assert.Equal(DeviceAccess.Quarantined, (await admin.GetAsync(junk.Id)).Access);
        }

        // Its publishes stop reaching the service: it reconnects (the broker lets it) and sends garbage and a valid report.
        await ServiceLab.WaitUntil(() => Task.FromResult(!junkPublisher.Connected), TimeSpan.FromSeconds(10), "the quarantined device disconnected");
        long countedBefore = (await store.ListCountersAsync(junk.Id, 0, None)).Sum(c => c.Count);
        await using DevicePublisher again = (await _lab.ConnectAsync(new[] { junk }))[0];
        for (int i = 0; i < 5; i++)
        {
            await again.PublishAsync("health", Encoding.ASCII.GetBytes("after quarantine " + i), None);
        }

        await again.PublishHealthAsync(1, 100, None);

        // Healthy devices keep being stored meanwhile.
        for (int seq = 14; seq < 17; seq++)
        {
            await Task.WhenAll(good.Take(3).Select(p => p.PublishHealthAsync(1, seq, None)));
        }

        await ServiceLab.WaitUntil(async () => await store.CountHealthAsync(None) == (4 * 14) + 4 + (3 * 3), TimeSpan.FromSeconds(20), "the healthy devices' later reports");
        await Task.Delay(1000);
        Assert.Equal(countedBefore, (await store.ListCountersAsync(junk.Id, 0, None)).Sum(c => c.Count));
        Assert.Empty(await store.ListHealthAsync(junk.Id, 0, long.MaxValue, 10, None));
        foreach (EnrolledDevice device in healthy)
        {
            Assert.Equal(17, (await store.ListHealthAsync(device.Id, 0, long.MaxValue, 100, None)).Count);
            Assert.Empty(await store.ListActionsAsync(device.Id, 10, None));
        }

        Assert.Empty(await store.ListActionsAsync(miner.Id, 10, None));

        // The owners' webhook: both actions for initech's device, the coin-miner finding for acme's, every signature valid.
        await ServiceLab.WaitUntil(() => Task.FromResult(Has(inbox, junk.Id, "throttle") && Has(inbox, junk.Id, "quarantine") && Has(inbox, miner.Id, "coin-miner")),
            TimeSpan.FromSeconds(20), "the alerts at the owners' webhook");
        foreach (ReceivedAlert alert in inbox.Snapshot())
        {
            _output.WriteLine(alert.Kind + " " + alert.Device + " " + alert.State + " signature " + (alert.SignatureValid ? "valid" : "INVALID"));
        }

        Assert.All(inbox.Snapshot(), a => Assert.True(a.SignatureValid));
        Assert.DoesNotContain(inbox.Snapshot(), a => healthy.Any(h => h.Id == a.Device));
        Assert.Contains(inbox.Snapshot(), a => a.Device == junk.Id && a.Body.Contains("\"customer\":\"initech\"", StringComparison.Ordinal));
        Assert.False(WebhookInbox.Verify(RandomNumberGenerator.GetBytes(32), "t=1,v1=" + new string('0', 64), Encoding.ASCII.GetBytes("{}")));
        foreach (DevicePublisher publisher in good)
        {
            await publisher.DisposeAsync();
        }

        await junkPublisher.DisposeAsync();
    }

    private static bool Has(WebhookInbox inbox, string device, string kind) => inbox.Snapshot().Any(a => a.Device == device && a.Kind == kind);

    private static async Task Quietly(Func<Task> publish)
    {
        try
        {
            await publish();
        }
        catch (Exception error) when (error is InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // The broker threw it off at the quarantine: expected.
        }
    }
}
