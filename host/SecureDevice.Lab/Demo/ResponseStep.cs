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
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Lab.Alerts;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// The demo's detection-and-response step against the real fleet service the demo started in step 1
/// (<see cref="DemoService"/>: in-process, its own instance identity <c>service.demo</c> with the service role, and its
/// command identity <c>commands.service.demo</c> with the commands role, over which its throttles leave): four more
/// devices of the demo customer report; one turns coin miner, one sends garbage. Every check reads the service's database, the broker's dynamic-security plugin or the customer's
/// webhook receiver (which verifies each signature with its own HMAC code).
/// </summary>
internal sealed class ResponseStep
{
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
        var devices = ids.Select(id => new EnrolledDevice(id, Customer, _workspace.Provision(id, now).Certificate)).ToList();
        _info("the fleet service " + DemoService.Instance + " of the whole demo; webhook of " + Customer + " at " + inbox.Url);
        IFleetStore store = _service.Store;

        // The service learns of devices provisioned while it runs from the inventory (polled every 500 ms here): a
        // report sent before that would be refused as unknown-device.
        await Until(async () => (await Task.WhenAll(ids.Select(id => store.GetDeviceAsync(id, None)))).All(d => d != null), TimeSpan.FromSeconds(30));
        var root = new X509Root(_workspace.RootCa);
        var publishers = new List<DevicePublisher>();
        foreach (EnrolledDevice device in devices)
        {
            publishers.Add(await DevicePublisher.ConnectAsync(device, "localhost", _workspace.BrokerPort, root.Certificate, None));
        }

        DevicePublisher miner = publishers[2];
        DevicePublisher noisy = publishers[3];
        for (int seq = 0; seq < 14; seq++)
        {
            await Task.WhenAll(publishers.Take(3).Select(p => p.PublishHealthAsync(1, seq, None)));
        }

        async Task<int[]> Stored() => await Task.WhenAll(ids.Take(3).Select(async id => (await store.ListHealthAsync(id, 0, long.MaxValue, 100, None)).Count));
        bool baseline = await Until(async () => (await Stored()).All(n => n == 14), TimeSpan.FromSeconds(30));
        _expect("the service stores every report (a baseline of 14 per device)", baseline,
            string.Join(", ", ids.Take(3).Zip(await Stored(), (id, n) => id + " " + n)) + " reports stored");
        for (int seq = 14; seq < 18; seq++)
        {
            await miner.PublishAsync("health", HealthReports.Miner(1, seq), None);
        }

        bool flagged = await Until(async () => (await store.ListFindingsAsync("miner-1", true, 10, None)).Any(f => f.Rule == "coin-miner"), TimeSpan.FromSeconds(30));
        FindingRecord? finding = (await store.ListFindingsAsync("miner-1", true, 10, None)).FirstOrDefault(f => f.Rule == "coin-miner");
        _expect("miner-1 (load, current and bytes up, same version) is flagged coin-miner", flagged, finding?.Evidence ?? "no finding");

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
        long counted = (await store.ListCountersAsync("noisy-1", 0, None)).Sum(c => c.Count);
        await using (DevicePublisher again = await DevicePublisher.ConnectAsync(devices[3], "localhost", _workspace.BrokerPort, root.Certificate, None))
        {
            await again.PublishAsync("health", Encoding.ASCII.GetBytes("after quarantine"), None);
            await again.PublishHealthAsync(1, 100, None);
        }

        for (int seq = 14; seq < 16; seq++)
        {
            await Task.WhenAll(publishers.Take(2).Select(p => p.PublishHealthAsync(1, seq, None)));
        }

        bool calmStored = await Until(async () => (await store.ListHealthAsync("calm-2", 0, long.MaxValue, 100, None)).Count == 16, TimeSpan.FromSeconds(30));
        await Task.Delay(1000);
        long countedAfter = (await store.ListCountersAsync("noisy-1", 0, None)).Sum(c => c.Count);
        int noisyReports = (await store.ListHealthAsync("noisy-1", 0, long.MaxValue, 10, None)).Count;
        _expect("its publishes no longer reach the service (it reconnects and sends; nothing arrives)", countedAfter == counted && noisyReports == 0,
            "refused messages counted: " + counted + " before, " + countedAfter + " after; reports stored: " + noisyReports);
        bool calmUntouched = (await store.ListActionsAsync("calm-1", 10, None)).Count == 0 && (await store.ListActionsAsync("calm-2", 10, None)).Count == 0;
        _expect("the other devices stay healthy: stored, no action", calmStored && calmUntouched, "calm-1 and calm-2: 16 reports each, no action");

        bool alerted = await Until(() => Task.FromResult(Has(inbox, "noisy-1", "throttle") && Has(inbox, "noisy-1", "quarantine") && Has(inbox, "miner-1", "coin-miner")), TimeSpan.FromSeconds(30));
        IReadOnlyList<ReceivedAlert> received = inbox.Snapshot();
        _expect("the owner's webhook receives both actions and the finding, every signature valid", alerted && received.All(a => a.SignatureValid),
            string.Join(", ", received.Select(a => a.Device + " " + a.Kind + (a.SignatureValid ? " (signed)" : " (BAD SIGNATURE)"))));
        foreach (DevicePublisher publisher in publishers)
        {
            await publisher.DisposeAsync();
        }
    }

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

    private sealed record X509Root(System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate);
}
