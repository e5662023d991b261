using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Detection;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Lab.Alerts;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.VirtualDevice;
using SecureDevice.Service.Storage;
using SecureDevice.Doubles;
using Device = SecureDevice.VirtualDevice.VirtualDevice;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// The demo's detection-and-response step against the real fleet service the demo started in step 1
/// (<see cref="DemoService"/>: in-process, its own instance identity <c>service.demo</c> with the service role, and its
/// command identity <c>commands.service.demo</c> with the commands role, over which its throttles leave): four more
/// devices of the demo customer. Three are virtual devices running the firmware's core with their clocks sped up
/// (<see cref="TimeScale"/>); one of them turns coin miner through its simulated hardware
/// (<see cref="SimulatedHealthSource.Mine"/>: the load its core measures, the supply current and its upstream traffic
/// rise). The fourth sends garbage: a raw MQTT client, since a device sending garbage is by definition not running our
/// core's encoder. Every check reads the service's database, the broker's dynamic-security plugin or the customer's
/// webhook receiver (which verifies each signature with its own HMAC code).
/// </summary>
internal sealed class ResponseStep
{
    /// <summary>
    /// How much faster the virtual devices' monotonic clocks run: their provisioned 300 s report interval (±10 %) in
    /// about a second of wall time. Everything else about them is the firmware's: config, budgets, backoff.
    /// </summary>
    public const int TimeScale = 300;

    /// <summary>
    /// Reports stored per device before the miner turns: the detection's warm-up (12 reports of load and current; 12
    /// byte rates, which start with the second report) and one more.
    /// </summary>
    public static readonly int BaselineReports = new DetectionOptions().WarmupSamples + 2;

    private static readonly CancellationToken None = CancellationToken.None;
    private readonly DemoWorkspace _workspace;
    private readonly DemoService _service;
    private readonly Action<string, bool, string> _expect;
    private readonly Action<string> _info;

    public ResponseStep(DemoWorkspace workspace, DemoService service, Action<string, bool, string> expect, Action<string> info)
    {
        _workspace = workspace;
        _service = service;
        _expect = expect;
        _info = info;
    }

    public async Task RunAsync()
    {
        const string Customer = DemoService.Customer;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        WebhookInbox inbox = _service.Inbox;
        var ids = new[] { "calm-1", "calm-2", "miner-1", "noisy-1" };
        var identities = ids.Select(id => _workspace.Provision(id, now)).ToList();
        _info("the fleet service " + DemoService.Instance + " of the whole demo; webhook of " + Customer + " at " + inbox.Url);
        IFleetStore store = _service.Store;

        // The service learns of devices provisioned while it runs from the inventory (polled every 500 ms here): a
        // report sent before that would be refused as unknown-device.
        await Until(async () => (await Task.WhenAll(ids.Select(id => store.GetDeviceAsync(id, None)))).All(d => d != null), TimeSpan.FromSeconds(30));

        // calm-1, calm-2 and miner-1 run the firmware's core (connection manager, flood guard, telemetry with its idle
        // probe and encoder) with the config provisioning wrote (a report every 300 s) and the firmware's default
        // backoff; only their monotonic clocks run 300 times faster. noisy-1 is not our firmware at all: a raw MQTT client.
        var devices = identities.Take(3).Select(identity => new Device(identity, new MemoryFileStore(), endpoint: () => identity.Endpoint("127.0.0.1"), timeScale: TimeScale)).ToList();
        Device miner = devices[2];
        try
        {
            await RunAsync(store, inbox, devices, miner, new EnrolledDevice(ids[3], Customer, identities[3].Certificate));
        }
        finally
        {
            foreach (Device device in devices)
            {
                device.PowerCut();
            }
        }
    }

    private async Task RunAsync(IFleetStore store, WebhookInbox inbox, List<Device> devices, Device miner, EnrolledDevice noisyDevice)
    {
        string[] virtualIds = devices.Select(d => d.Id).ToArray();
        foreach (Device device in devices)
        {
            device.Start();
        }

        _info(string.Join(", ", virtualIds) + ": virtual devices running the firmware's core, their clocks at " + TimeScale + "x: the provisioned 300 s report interval in about a second");
        async Task<int[]> Stored(IEnumerable<string> which) => await Task.WhenAll(which.Select(async id => (await store.ListHealthAsync(id, 0, long.MaxValue, 1000, None)).Count));
        bool baseline = await Until(async () => (await Stored(virtualIds)).All(n => n >= BaselineReports), TimeSpan.FromSeconds(60));
        bool quiet = (await Task.WhenAll(virtualIds.Select(id => store.ListFindingsAsync(id, false, 10, None)))).All(f => f.Count == 0);
        _expect("the service stores every report (a baseline of " + BaselineReports + " per device) and finds nothing", baseline && quiet,
            string.Join(", ", virtualIds.Zip(await Stored(virtualIds), (id, n) => id + " " + n)) + " reports stored; " + (quiet ? "no finding" : "a finding already"));
        int onset = (await Stored(new[] { miner.Id }))[0];
        miner.Sensors.Mine();
        _info(miner.Id + " turns coin miner after its report " + onset + ": compute load 96 %, the current that costs, and pool traffic through its own connection (which the broker's ACL drops)");

        bool flagged = await Until(async () => (await store.ListFindingsAsync(miner.Id, true, 10, None)).Any(f => f.Rule == "coin-miner" && f.Severity == "critical"), TimeSpan.FromSeconds(30));
        FindingRecord? finding = (await store.ListFindingsAsync(miner.Id, true, 10, None)).FirstOrDefault(f => f.Rule == "coin-miner");
        miner.Stop();
        _expect(miner.Id + " (load, current and bytes up, same version) is flagged coin-miner", flagged,
            finding == null ? "no finding" : finding.Severity + ": " + finding.Evidence);
        IReadOnlyList<HealthRecord> mined = await store.ListHealthAsync(miner.Id, 0, long.MaxValue, 1000, None);
        _expect(miner.Id + "'s stored reports are its core's (one boot, consecutive sequences, uptime at " + TimeScale + "x wall time, measured readings)",
            MinerReports.FromCore(mined, onset, TimeScale, out string shape), shape);

        // What the hijacker pushed through the miner's own connection went to a topic its role does not grant: the broker
        // dropped it, and its refusal counter (DemoWorkspace.RefusalInterval) reported the count to the service, which
        // stored it as outside-acl. A signal that needs no trust in the device: the broker counted, not the device.
        string hijacked = "devices/" + miner.Id + "/up/data";
        bool brokerCounted = await Until(async () => OutsideAcl(await store.ListCountersAsync(miner.Id, 0, None)) is { Count: > 0 } c && c.LastDetail?.Contains(hijacked, StringComparison.Ordinal) == true, TimeSpan.FromSeconds(10));
        CounterRecord? outside = OutsideAcl(await store.ListCountersAsync(miner.Id, 0, None));
        string[] calmIds = virtualIds.Where(id => id != miner.Id).ToArray();
        long[] calmRefused = await Task.WhenAll(calmIds.Select(async id => (await store.ListCountersAsync(id, 0, None)).Sum(c => c.Count)));
        _expect("the broker counted " + miner.Id + "'s refused publishes to " + hijacked + " (outside-acl); " + string.Join(" and ", calmIds) + " nothing",
            brokerCounted && calmRefused.All(n => n == 0),
            (outside == null ? miner.Id + ": no outside-acl counted" : miner.Id + ": " + outside.Count + " refused (" + outside.Bytes + " bytes) so far; the last report: " + outside.LastDetail)
            + "; " + string.Join(", ", calmIds.Zip(calmRefused, (id, n) => id + " " + n + " refused")));

        DevicePublisher noisy = await DevicePublisher.ConnectAsync(noisyDevice, "localhost", _workspace.BrokerPort, _workspace.RootCa, None);
        for (int i = 0; i < 12; i++)
        {
            await noisy.PublishAsync("health", Encoding.ASCII.GetBytes("garbage " + i), None);
        }

        bool throttled = await Until(async () => (await store.ListActionsAsync("noisy-1", 10, None)).Any(a => a.Kind == "throttle" && a.Outcome == "done"), TimeSpan.FromSeconds(30));
        _expect("noisy-1 sends garbage: throttled (a command on its down topic)", throttled, Describe(await store.ListActionsAsync("noisy-1", 10, None)));
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        for (int i = 0; i < 12 && noisy.Connected; i++)
        {
            try
            {
                await noisy.PublishAsync("health", Encoding.ASCII.GetBytes("more garbage " + i), None);
            }
            catch (Exception error) when (error is InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                // Thrown off by the quarantine.
            }
        }

        bool quarantined = await Until(async () => (await store.ListActionsAsync("noisy-1", 10, None)).Any(a => a.Kind == "quarantine" && a.Outcome == "done"), TimeSpan.FromSeconds(30));
        DeviceAccess access = (await _workspace.Admin.GetAsync("noisy-1")).Access;
        _expect("it keeps on after the throttle: quarantined at the broker", quarantined && access == DeviceAccess.Quarantined,
            Describe(await store.ListActionsAsync("noisy-1", 10, None)) + "; broker role: " + access.ToString().ToLowerInvariant());

        await Until(() => Task.FromResult(!noisy.Connected), TimeSpan.FromSeconds(10));
        await noisy.DisposeAsync();
        // What the service's ingest counted (outside-acl aside: the broker's count of the publishes it refuses).
        long counted = ServiceCounted(await store.ListCountersAsync("noisy-1", 0, None));
        await using (DevicePublisher again = await DevicePublisher.ConnectAsync(noisyDevice, "localhost", _workspace.BrokerPort, _workspace.RootCa, None))
        {
            await again.PublishAsync("health", Encoding.ASCII.GetBytes("after quarantine"), None);
            await again.PublishHealthAsync(1, 100, None);
        }

        // The calm devices have been reporting all along; two more reports each after the quarantine show the service
        // still takes theirs. Then they shut down (a planned stop: "offline"), so nothing runs at 300x past the step.
        string[] calm = virtualIds.Where(id => id != miner.Id).ToArray();
        int[] calmBefore = await Stored(calm);
        bool calmStored = await Until(async () => (await Stored(calm)).Zip(calmBefore, (n, b) => n >= b + 2).All(x => x), TimeSpan.FromSeconds(30));
        foreach (Device device in devices)
        {
            device.Stop();
        }

        await Task.Delay(1000);
        IReadOnlyList<CounterRecord> noisyCounters = await store.ListCountersAsync("noisy-1", 0, None);
        long countedAfter = ServiceCounted(noisyCounters);
        int noisyReports = (await store.ListHealthAsync("noisy-1", 0, long.MaxValue, 10, None)).Count;
        _expect("its publishes no longer reach the service (it reconnects and sends; nothing arrives)", countedAfter == counted && noisyReports == 0,
            "refused messages counted by the service: " + counted + " before, " + countedAfter + " after; reports stored: " + noisyReports
            + "; refused by the broker so far: " + (OutsideAcl(noisyCounters)?.Count ?? 0));

        // At 300x these devices report far faster than the firmware does in the field: the service must still take every
        // message of theirs, and no rule may act on the rate itself (README, step 8). The calm devices have no refusal at
        // all; the miner only the broker's outside-acl count of its hijacker's publishes (checked above).
        var others = new List<string>();
        bool calmUntouched = true;
        foreach (string id in virtualIds)
        {
            int actions = (await store.ListActionsAsync(id, 10, None)).Count;
            IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(id, 0, None);
            long refused = id == miner.Id ? ServiceCounted(counters) : counters.Sum(c => c.Count);
            IReadOnlyList<FindingRecord> findings = await store.ListFindingsAsync(id, false, 10, None);
            bool expected = id == miner.Id ? findings.All(f => f.Rule == "coin-miner") : findings.Count == 0;
            calmUntouched &= actions == 0 && refused == 0 && expected;
            others.Add(id + ": " + (await Stored(new[] { id }))[0] + " reports, " + refused + " refused"
                + (id == miner.Id ? " (and " + (OutsideAcl(counters)?.Count ?? 0) + " outside-acl, the broker's)" : string.Empty) + ", " + actions + " actions, "
                + (findings.Count == 0 ? "no finding" : string.Join("/", findings.Select(f => f.Rule))));
        }

        _expect("the other devices stay healthy: every report stored, nothing refused, no action, no other finding", calmStored && calmUntouched, string.Join("; ", others));

        bool alerted = await Until(() => Task.FromResult(Has(inbox, "noisy-1", "throttle") && Has(inbox, "noisy-1", "quarantine") && Has(inbox, miner.Id, "coin-miner")), TimeSpan.FromSeconds(30));
        IReadOnlyList<ReceivedAlert> received = inbox.Snapshot();
        _expect("the owner's webhook receives both actions and the finding, every signature valid", alerted && received.All(a => a.SignatureValid),
            string.Join(", ", received.Select(a => a.Device + " " + a.Kind + (a.SignatureValid ? " (signed)" : " (BAD SIGNATURE)"))));
    }

    private static readonly string OutsideAclReason = IngestReason.OutsideAcl.Code();

    /// <summary>The device's outside-acl counts summed over its hours, with the latest detail; null when none.</summary>
    private static CounterRecord? OutsideAcl(IReadOnlyList<CounterRecord> counters)
    {
        var rows = counters.Where(c => c.Reason == OutsideAclReason).OrderBy(c => c.LastMs).ToList();
        return rows.Count == 0 ? null : rows[^1] with { Count = rows.Sum(c => c.Count), Bytes = rows.Sum(c => c.Bytes) };
    }

    private static long ServiceCounted(IReadOnlyList<CounterRecord> counters) => counters.Where(c => c.Reason != OutsideAclReason).Sum(c => c.Count);

    private static bool Has(WebhookInbox inbox, string device, string kind) => inbox.Snapshot().Any(a => a.Device == device && a.Kind == kind);

    private static string Describe(IReadOnlyList<ActionRecord> actions) =>
        actions.Count == 0 ? "no action" : string.Join("; ", actions.OrderBy(a => a.Id).Select(a => a.Kind + " " + a.Outcome + " by " + a.Actor));

    private static async Task<bool> Until(Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime end = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > end)
            {
                return false;
            }

            await Task.Delay(100);
        }

        return true;
    }

}
