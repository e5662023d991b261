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
/// The demo's detection-and-response step against the real fleet service (in-process, its own instance identity
/// <c>service.demo</c> with the service role, and its command identity <c>commands.service.demo</c> with the commands
/// role, over which its throttles leave): three more devices of the demo customer report; one turns coin miner, one
/// sends garbage. Every check reads the service's database, the broker's dynamic-security plugin or the customer's
/// webhook receiver (which verifies each signature with its own HMAC code).
/// </summary>
internal sealed class ResponseStep
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly DemoWorkspace _workspace;
    private readonly Action<string, bool, string> _expect;
    private readonly Action<string> _info;

    public ResponseStep(DemoWorkspace workspace, Action<string, bool, string> expect, Action<string> info)
    {
        _workspace = workspace;
        _expect = expect;
        _info = info;
    }

    public async Task RunAsync()
    {
        const string Instance = DemoWorkspace.ServiceInstance;
        const string Customer = "demo-customer";
        DateTimeOffset now = DateTimeOffset.UtcNow;
        ServiceIdentity.Issue(_workspace.Pki, Instance, now);
        BrokerAccessResult granted = await _workspace.Admin.AddServiceInstanceAsync(Instance);
        _expect("the service instance " + Instance + " holds the service role at the broker, " + ServiceIdentity.CommandName(Instance) + " the commands role", granted.Succeeded, granted.Detail);
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        using var inbox = WebhookInbox.Start(secret);
        string contacts = Path.Combine(_workspace.Folder, "contacts.json");
        FileCustomerContacts.Save(contacts, new[] { new CustomerContacts(Customer, inbox.Url, secret, Array.Empty<string>()) });
        string data = _workspace.ServiceData;
        Directory.CreateDirectory(data);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        using var integration = new FleetIntegration(new IntegrationOptions
        {
            ContactsFile = contacts,
            AllowLoopbackWebhooks = true,
            TrafficWindow = TimeSpan.FromHours(1),
            TickInterval = TimeSpan.FromSeconds(1),
            Ladder = new LadderPolicy { BadMessages = 10, Grace = TimeSpan.FromSeconds(3) },
        });
        var options = new ServiceOptions
        {
            PkiFolder = _workspace.Pki.Folder,
            DataFolder = data,
            BrokerHost = "localhost",
            BrokerPort = _workspace.BrokerPort,
            Identity = Instance,
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            LogLevel = LogLevel.Warning,
            RegistryPoll = TimeSpan.FromMilliseconds(500),
            // The demo sends a day of reports in seconds: the fair limits are opened so only the garbage is refused.
            Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000) },
        };
        var ids = new[] { "calm-1", "calm-2", "miner-1", "noisy-1" };
        var devices = ids.Select(id => new EnrolledDevice(id, Customer, _workspace.Provision(id, now).Certificate)).ToList();
        await using RunningService service = await FleetServiceHost.StartAsync(options, integration.Extensions);
        _info("fleet service " + Instance + ": " + service.Service.Store.Description + ", http " + service.Address + "; webhook of " + Customer + " at " + inbox.Url);
        IFleetStore store = service.Service.Store;
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

        bool baseline = await Until(async () => await store.CountHealthAsync(None) >= 3 * 14, TimeSpan.FromSeconds(30));
        _expect("the service stores every report (a baseline of 14 per device)", baseline, (await store.CountHealthAsync(None)) + " reports stored");
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
