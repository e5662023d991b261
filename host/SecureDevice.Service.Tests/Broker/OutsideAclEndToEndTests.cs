using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
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
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Broker;

/// <summary>
/// Publishes refused by the broker's ACL, end to end: real mosquitto 2.0.11 with the refusal counter loaded before the
/// real dynamic-security plugin, devices over mutual TLS, the service counting the counter's reports per device
/// (docs/service.md, "Publishes refused by the broker").
/// </summary>
public sealed class OutsideAclEndToEndTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly string OutsideAcl = IngestReason.OutsideAcl.Code();
    private readonly ServiceLab _lab;

    public OutsideAclEndToEndTests() => _lab = new ServiceLab(new IngestLabBroker(RefusalCounterBuild.Path, RefusalInterval: 1, ExtraConfig: "log_type debug"));

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task RefusedPublishes_CountedOutsideAclAgainstTheirDevice_OwnTopicsAndOtherDevicesNot()
    {
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("acl", 3);
        await using RunningService service = await _lab.StartAsync(_lab.Options());
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        await publishers[0].PublishHealthAsync(1, 0, None);
        await publishers[0].PublishAsync("health", Encoding.ASCII.GetBytes("abc"), None, topic: "devices/acl-002/up/health");
        await publishers[0].PublishAsync("x", Encoding.ASCII.GetBytes("de"), None, topic: "elsewhere/topic");
        await publishers[0].PublishAsync("x", Encoding.ASCII.GetBytes("f"), None, topic: "elsewhere/topic");
        await publishers[1].PublishAsync("status", Encoding.ASCII.GetBytes("online"), None);
        await publishers[2].PublishHealthAsync(1, 0, None);
        IFleetStore store = service.Service.Store;
        await ServiceLab.WaitUntil(async () => await OutsideAclOf(store, "acl-001") >= 3, TimeSpan.FromSeconds(20), "acl-001's refused publishes");
        await Task.Delay(2500); // two more intervals: nothing else is counted

        IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(null, 0, None);
        CounterRecord counted = Assert.Single(counters);
        Assert.Equal(("acl-001", OutsideAcl, 3L, 6L), (counted.DeviceId, counted.Reason, counted.Count, counted.Bytes));
        Assert.EndsWith(" refused, last topic elsewhere/topic", counted.LastDetail); // the last report's
        Assert.Equal(2, await store.CountHealthAsync(None));
        string metrics = (await ServiceLab.GetAsync(service, "metrics")).Body;
        Assert.Contains("securedevice_ingest_rejected_total{reason=\"outside-acl\"} 3\n", metrics);
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    [Fact]
    public async Task RefusedPublishes_OutsideAclFindingStoredAndOwnerAlertedOnce_QuietDeviceNothing()
    {
        // The whole path: mosquitto refuses, the counter reports, ingest stores the report, detection's outside-acl rule
        // opens on the window's refused count, the finding is stored and the owner's webhook receives it once.
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("det", 2);
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        using var inbox = WebhookInbox.Start(secret);
        string contacts = Path.Combine(_lab.Lab.Folder, "contacts.json");
        FileCustomerContacts.Save(contacts, new[] { new CustomerContacts("acme", inbox.Url, secret, Array.Empty<string>()) });
        using var integration = new FleetIntegration(new IntegrationOptions
        {
            ContactsFile = contacts,
            AllowLoopbackWebhooks = true,
            TrafficWindow = TimeSpan.FromSeconds(3),
            TickInterval = TimeSpan.FromMilliseconds(500),
        });
        await using RunningService service = await _lab.StartAsync(_lab.Options(), integration.Extensions);
        IFleetStore store = service.Service.Store;
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        await publishers[0].PublishHealthAsync(1, 0, None);
        await publishers[0].PublishAsync("health", Encoding.ASCII.GetBytes("abc"), None, topic: "devices/det-002/up/health");
        await publishers[0].PublishAsync("x", Encoding.ASCII.GetBytes("de"), None, topic: "elsewhere/topic");
        await publishers[1].PublishHealthAsync(1, 0, None);

        await ServiceLab.WaitUntil(async () => (await store.ListFindingsAsync("det-001", true, 10, None)).Any(f => f.Rule == "outside-acl")
            && inbox.Snapshot().Any(a => a.Device == "det-001" && a.Kind == "outside-acl"), TimeSpan.FromSeconds(30), "det-001's outside-acl finding and alert");
        // More windows with traffic and no refusal: the finding stays open (an hour of quiet windows clears it), no second alert.
        for (int seq = 1; seq <= 2; seq++)
        {
            await Task.Delay(3000);
            await publishers[0].PublishHealthAsync(1, seq, None);
            await publishers[1].PublishHealthAsync(1, seq, None);
        }

        await Task.Delay(3500);
        FindingRecord finding = Assert.Single(await store.ListFindingsAsync("det-001", true, 10, None), f => f.Rule == "outside-acl");
        Assert.Equal("warning", finding.Severity);
        Assert.Single(inbox.Snapshot(), a => a.Device == "det-001" && a.Kind == "outside-acl");
        Assert.Empty(await store.ListFindingsAsync("det-002", false, 10, None));
        Assert.DoesNotContain(inbox.Snapshot(), a => a.Device == "det-002");
        Assert.All(inbox.Snapshot(), a => Assert.True(a.SignatureValid));
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    [Fact]
    public async Task CountsPerDevice_EqualMosquittosOwnDeniedPublishLines()
    {
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("log", 4);
        await using RunningService service = await _lab.StartAsync(_lab.Options());
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        string[] targets = { "devices/log-004/up/health", "devices/log-001/down/throttle", "a/b", "devices/log-004/up/events", "x" };
        for (int d = 0; d < 3; d++)
        {
            for (int i = 0; i < (d + 1) * 3; i++)
            {
                await publishers[d].PublishAsync("x", new byte[i], None, topic: targets[(d + i) % targets.Length]);
                await publishers[d].PublishHealthAsync(1, i, None); // allowed ones in between
            }
        }

        IFleetStore store = service.Service.Store;
        await ServiceLab.WaitUntil(async () => (await store.ListCountersAsync(null, 0, None)).Where(c => c.Reason == OutsideAcl).Sum(c => c.Count) >= 18,
            TimeSpan.FromSeconds(20), "18 refusals counted");
        await Task.Delay(1500);

        // mosquitto's own debug line for every PUBLISH its ACL check refused, counted per client: an independent count.
        var logged = Regex.Matches(_lab.Lab.Broker.Log, @"Denied PUBLISH from (\S+) ").GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => (long)g.Count());
        var counted = (await store.ListCountersAsync(null, 0, None)).Where(c => c.Reason == OutsideAcl).GroupBy(c => c.DeviceId).ToDictionary(g => g.Key, g => g.Sum(c => c.Count));
        Assert.Equal(new Dictionary<string, long> { ["log-001"] = 3, ["log-002"] = 6, ["log-003"] = 9 }, logged);
        Assert.Equal(logged, counted);
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    [Fact]
    public async Task QuarantinedDevice_ItsPublishesToItsOwnTopics_AreCountedOutsideAcl()
    {
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("quar", 2);
        await using RunningService service = await _lab.StartAsync(_lab.Options());
        using (DynamicSecurityAdmin admin = _lab.Lab.Admin())
        {
            Assert.True((await admin.QuarantineAsync("quar-001")).Succeeded);
        }

        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        await publishers[0].PublishHealthAsync(1, 0, None);
        await publishers[0].PublishHealthAsync(1, 1, None);
        await publishers[1].PublishHealthAsync(1, 0, None);
        IFleetStore store = service.Service.Store;
        await ServiceLab.WaitUntil(async () => await OutsideAclOf(store, "quar-001") >= 2 && await store.CountHealthAsync(None) >= 1, TimeSpan.FromSeconds(20), "the quarantined device's refusals");
        await Task.Delay(1500);

        Assert.Equal(2, await OutsideAclOf(store, "quar-001"));
        Assert.Equal(0, await OutsideAclOf(store, "quar-002"));
        Assert.Empty(await store.ListHealthAsync("quar-001", 0, long.MaxValue, 10, None));
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    [Fact]
    public async Task ForgedReportUnderSys_RefusedBeforeAnyPluginIsAsked_NothingReachesTheService()
    {
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("forge", 2);
        await using RunningService service = await _lab.StartAsync(_lab.Options());
        DevicePublisher[] publishers = await _lab.ConnectAsync(devices);
        byte[] forged = Encoding.UTF8.GetBytes("{\"v\":1,\"refused\":1000,\"bytes\":1,\"first_topic\":\"a\",\"first_topic_len\":1,\"last_topic\":\"a\",\"last_topic_len\":1,\"start_ms\":1,\"end_ms\":2}");
        await publishers[0].PublishAsync("x", forged, None, topic: BrokerRights.RefusalTopicPrefix + "forge-002");
        await publishers[0].PublishAsync("x", forged, None, topic: "$share/ingest/" + BrokerRights.RefusalTopicPrefix + "forge-002");
        await publishers[0].PublishAsync("x", new byte[1], None, topic: "marker");
        IFleetStore store = service.Service.Store;
        await ServiceLab.WaitUntil(async () => await OutsideAclOf(store, "forge-001") >= 1, TimeSpan.FromSeconds(20), "the marker refusal");
        await Task.Delay(1500);

        // mosquitto refuses a client's $SYS or $share publish (acl__check_dollar) before it asks any plugin: the broker
        // refused both (its log says so), nothing reached the service, and the counter never saw them (docs/service.md).
        Assert.Equal(3, Regex.Matches(_lab.Lab.Broker.Log, @"Denied PUBLISH from forge-001 ").Count);
        IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(null, 0, None);
        CounterRecord only = Assert.Single(counters);
        Assert.Equal(("forge-001", 1L), (only.DeviceId, only.Count));
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

    [Fact]
    public async Task ServiceRestart_RefusalsReportedWhileItWasDown_AreStoredOnceWhenItComesBack()
    {
        IReadOnlyList<EnrolledDevice> devices = _lab.Enroll("rst", 1);
        RunningService first = await _lab.StartAsync(_lab.Options());
        await first.DisposeAsync(); // a normal stop keeps the session: the broker queues for it
        DevicePublisher publisher = (await _lab.ConnectAsync(devices)).Single();
        await publisher.PublishAsync("x", new byte[3], None, topic: "not/mine");
        await publisher.PublishAsync("x", new byte[4], None, topic: "not/mine/either");
        await Task.Delay(2500); // the counter reported meanwhile, to the stopped service's session

        await using RunningService second = await _lab.StartAsync(_lab.Options());
        IFleetStore store = second.Service.Store;
        await ServiceLab.WaitUntil(async () => await OutsideAclOf(store, "rst-001") >= 2, TimeSpan.FromSeconds(20), "the queued report");
        await Task.Delay(1500);

        CounterRecord counted = Assert.Single(await store.ListCountersAsync(null, 0, None));
        Assert.Equal((OutsideAcl, 2L, 7L), (counted.Reason, counted.Count, counted.Bytes));
        await publisher.DisposeAsync();
    }

    [Fact]
    public async Task RefusalReports_OnlyTheServiceIdentityReadsThem()
    {
        EnrolledDevice device = _lab.Enroll("rights", 1).Single();
        var pki = _lab.Lab.Pki;
        string filter = BrokerRights.RefusalTopicPrefix + "+";
        // No service runs here: mosquitto_sub takes the service identity (its client id) for this test alone.
        using var service = new MosquittoSubscriber(new MqttClientIdentity(pki.RootCertificate, pki.ServiceCertificate, pki.ServiceKey, _lab.Lab.Port), filter, count: 1, timeoutSeconds: 20);
        using var op = new MosquittoSubscriber(new MqttClientIdentity(pki.RootCertificate, pki.OperatorCertificate, pki.OperatorKey, _lab.Lab.Port), filter, timeoutSeconds: 20);
        using var admin = new MosquittoSubscriber(new MqttClientIdentity(pki.RootCertificate, pki.AdminCertificate, pki.AdminKey, _lab.Lab.Port), filter, timeoutSeconds: 20);
        await Task.Delay(1000); // the subscriptions are in place
        await using (DevicePublisher publisher = (await _lab.ConnectAsync(new[] { device })).Single())
        {
            await publisher.PublishAsync("x", new byte[2], None, topic: "not/mine");
        }

        Assert.True(service.WaitFor(line => line.StartsWith(BrokerRights.RefusalTopicPrefix + "rights-001 {", StringComparison.Ordinal), TimeSpan.FromSeconds(15)), service.Error);
        await Task.Delay(1500);
        Assert.Empty(op.Lines);
        Assert.Empty(admin.Lines);
    }

    private static async Task<long> OutsideAclOf(IFleetStore store, string device) =>
        (await store.ListCountersAsync(device, 0, None)).Where(c => c.Reason == OutsideAcl).Sum(c => c.Count);
}
