using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Threading;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Lab.Alerts;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// What the fleet service stored about one device, read from its database at one moment: the registry row (presence,
/// status), the health reports it stored (the last one decoded from the stored payload by the service's decoder), the
/// update events it stored and what it refused from the device, counted per reason.
/// </summary>
public sealed class StoredDevice
{
    private readonly DecodedHealthReport? _last;

    internal StoredDevice(DeviceRecord? record, int reports, DecodedHealthReport? last, IReadOnlyList<string> events, IReadOnlyDictionary<string, long> refused)
    {
        Record = record;
        Reports = reports;
        _last = last;
        Events = events;
        Refused = refused;
    }

    /// <summary>The registry row, or null when the service's registry does not know the device.</summary>
    public DeviceRecord? Record { get; }

    /// <summary>Presence as the service stored it (the device's retained status, its will, or the service's own cut).</summary>
    public PresenceStatus Status => Record?.Presence switch
    {
        "online" => PresenceStatus.Online,
        "offline" => PresenceStatus.Offline,
        _ => PresenceStatus.Unknown,
    };

    /// <summary>Health reports stored.</summary>
    public int Reports { get; }

    /// <summary>Update events stored, oldest first (the JSON the device sent).</summary>
    public IReadOnlyList<string> Events { get; }

    /// <summary>Messages of the device the service refused or set aside, by reason (e.g. "malformed-cbor": 2).</summary>
    public IReadOnlyDictionary<string, long> Refused { get; }

    /// <summary>Every message of the device refused or set aside, all reasons.</summary>
    public long RefusedTotal => Refused.Values.Sum();

    /// <summary>
    /// What the service's own ingest refused or set aside: every reason but <c>outside-acl</c>, which counts the
    /// publishes the broker's ACL refused (the refusal counter's reports), messages that never reached the service.
    /// </summary>
    public long RefusedByService => Refused.Where(r => r.Key != OutsideAcl).Sum(r => r.Value);

    /// <summary>The device's publishes the broker's ACL refused, as the service stored the refusal counter's reports.</summary>
    public long RefusedByBroker => Refused.TryGetValue(OutsideAcl, out long count) ? count : 0;

    private static string OutsideAcl => IngestReason.OutsideAcl.Code();

    /// <summary>A field of the last stored report ("group", "field"), or null.</summary>
    public long? Field(string group, string field) => _last?.Field(group, field);

    /// <summary>The version in the last stored report.</summary>
    public string? Version => Field("identity", "versionMajor") is long major
        ? major + "." + Field("identity", "versionMinor") + "." + Field("identity", "versionPatch")
        : null;

    /// <summary>"not in the service's registry" or e.g. "status online, 2 report(s) stored, nothing refused".</summary>
    public string Describe() =>
        (Record == null ? "not in the service's registry; " : "status " + Status.ToString().ToLowerInvariant() + ", ") + Reports + " report(s) stored, "
        + (Refused.Count == 0 ? "nothing refused" : "refused " + string.Join(", ", Refused.Select(r => r.Value + " " + r.Key)));
}

/// <summary>
/// The real fleet service of the demo, started once for every step (in-process, instance <see cref="Instance"/> with
/// the service role at the broker, its command identity with the commands role), with the response integration
/// (ladder, detection, webhook alerts to the demo customer's <see cref="Inbox"/>). The demo's checks read what it
/// stored and counted through <see cref="IFleetStore"/>, the store the console and the API read.
/// </summary>
public sealed class DemoService : IDisposable
{
    /// <summary>The owner of every demo device (DemoWorkspace.Provision).</summary>
    public const string Customer = "demo-customer";

    public const string Instance = DemoWorkspace.ServiceInstance;

    private static readonly CancellationToken None = CancellationToken.None;
    private readonly FleetIntegration _integration;
    private readonly RunningService _running;

    private DemoService(BrokerAccessResult granted, WebhookInbox inbox, FleetIntegration integration, RunningService running)
    {
        Granted = granted;
        Inbox = inbox;
        _integration = integration;
        _running = running;
    }

    /// <summary>What the broker said when the instance was given its roles.</summary>
    public BrokerAccessResult Granted { get; }

    /// <summary>The demo customer's webhook receiver (checks each signature with its own HMAC key).</summary>
    public WebhookInbox Inbox { get; }

    public IFleetStore Store => _running.Service.Store;

    public Uri Address => _running.Address;

    /// <summary>
    /// Issues the instance identity, grants its roles at the broker and starts the service over the workspace's PKI.
    /// <paramref name="hidden"/>: a device the service's registry must not know (a planted fault for the demo's own
    /// tests): the service then reads a copy of the PKI folder whose inventory lacks it.
    /// </summary>
    public static DemoService Start(DemoWorkspace workspace, DateTimeOffset now, string? hidden = null)
    {
        ServiceIdentity.Issue(workspace.Pki, Instance, now);
        BrokerAccessResult granted = workspace.Admin.AddServiceInstanceAsync(Instance).GetAwaiter().GetResult();
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        var inbox = WebhookInbox.Start(secret);
        FleetIntegration? integration = null;
        try
        {
            string contacts = Path.Combine(workspace.Folder, "contacts.json");
            FileCustomerContacts.Save(contacts, new[] { new CustomerContacts(Customer, inbox.Url, secret, Array.Empty<string>()) });
            string data = workspace.ServiceData;
            Directory.CreateDirectory(data);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            integration = new FleetIntegration(new IntegrationOptions
            {
                ContactsFile = contacts,
                AllowLoopbackWebhooks = true,
                TrafficWindow = TimeSpan.FromHours(1),
                TickInterval = TimeSpan.FromSeconds(1),
                Ladder = new LadderPolicy { BadMessages = 10, Grace = TimeSpan.FromSeconds(3) },
                // One customer owns every demo device: the refused bundles of step 4 alert it already (update-rejected,
                // one per device), so its share of alerts sent one by one (3 per 10 min by default, the rest in a
                // summary after the window) is opened for the demo's few devices.
                Alerts = new AlertDispatcherOptions { PerWindow = 100 },
            });
            var options = new ServiceOptions
            {
                PkiFolder = hidden == null ? workspace.Pki.Folder : Without(workspace, hidden),
                DataFolder = data,
                BrokerHost = "localhost",
                BrokerPort = workspace.BrokerPort,
                Identity = Instance,
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                LogLevel = LogLevel.Warning,
                RegistryPoll = TimeSpan.FromMilliseconds(500),
                // The documented ingest limits (--device-burst, --device-rate), opened for the demo: one customer owns every
                // demo device, and steps 3-5 put several rollouts' events into a minute, so the customer's share (a quarter
                // of its devices' buckets, 0.35 messages a second for the demo's devices) is spent by step 8, whose three
                // virtual devices at 300x report once a second each (a device's own limit: 60 at once, 720 an hour). Run
                // with the defaults, step 8 got 9-13 reports per device stored in a minute, and the refusals counted against
                // them made the ladder throttle and quarantine the calm devices and the miner (README, step 8).
                Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000) },
            };
            RunningService running = FleetServiceHost.StartAsync(options, integration.Extensions).GetAwaiter().GetResult();
            return new DemoService(granted, inbox, integration, running);
        }
        catch
        {
            integration?.Dispose();
            inbox.Dispose();
            throw;
        }
    }

    /// <summary>The service's own readiness: broker connection, database, registry loaded, ingest subscribed.</summary>
    public Readiness Readiness() => _running.Service.ReadinessAsync(None).GetAwaiter().GetResult();

    /// <summary>What the service stored about <paramref name="id"/> now.</summary>
    public StoredDevice Device(string id)
    {
        DeviceRecord? record = Store.GetDeviceAsync(id, None).GetAwaiter().GetResult();
        IReadOnlyList<HealthRecord> health = Store.ListHealthAsync(id, 0, long.MaxValue, 100_000, None).GetAwaiter().GetResult();
        DecodedHealthReport? last = null;
        if (health.Count > 0 && HealthDecoder.TryDecode(health[^1].Payload, out DecodedHealthReport? decoded, out _) == HealthDecodeStatus.Decoded)
        {
            last = decoded;
        }

        return new StoredDevice(record, health.Count, last, UpdateEvents(id), Refused(id));
    }

    /// <summary>The update events the service stored for <paramref name="id"/>, oldest first (the JSON the device sent).</summary>
    public IReadOnlyList<string> UpdateEvents(string id) =>
        Store.ListEventsAsync(id, 0, 100_000, None).GetAwaiter().GetResult()
            .Where(e => e.Kind == "update").OrderBy(e => e.ReceivedMs).Select(e => e.Payload).ToList();

    /// <summary>What the service refused or set aside from <paramref name="id"/>, by reason.</summary>
    public IReadOnlyDictionary<string, long> Refused(string id) =>
        Store.ListCountersAsync(id, 0, None).GetAwaiter().GetResult()
            .GroupBy(c => c.Reason, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(c => c.Count), StringComparer.Ordinal);

    /// <summary>The audited actions on <paramref name="id"/> ("throttle done by ...").</summary>
    public IReadOnlyList<ActionRecord> Actions(string id) => Store.ListActionsAsync(id, 100, None).GetAwaiter().GetResult();

    /// <summary>Stops the service (the kept demo starts its own over the same database afterwards).</summary>
    public void Dispose()
    {
        _running.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _integration.Dispose();
        Inbox.Dispose();
    }

    // A copy of the PKI folder whose inventory lacks the hidden device: the service's registry never learns of it.
    private static string Without(DemoWorkspace workspace, string hidden)
    {
        string copy = Path.Combine(workspace.Folder, "pki-without-" + hidden);
        Copy(workspace.Pki.Folder, copy);
        var pki = new PkiLayout(copy);
        Inventory inventory = Inventory.Load(pki.Inventory);
        inventory.Devices.RemoveAll(d => d.Id == hidden);
        inventory.Save(pki.Inventory);
        return copy;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(to, File.GetUnixFileMode(from));
        }

        foreach (string file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string folder in Directory.GetDirectories(from))
        {
            Copy(folder, Path.Combine(to, Path.GetFileName(folder)));
        }
    }
}
