using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Security.Cryptography;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Fleet.Signing;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Lab.Signing;
using SecureDevice.Service.Hosting;
using SecureDevice.VirtualDevice;
using SecureDevice.VirtualDevice.Transport;
using SecureDevice.VirtualDevice.Updates;
using Device = SecureDevice.VirtualDevice.VirtualDevice;
using SecureDevice.Doubles;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// The whole device lifecycle on one machine, every promise checked from the outside: what the real fleet service
/// (started once, in step 1) stored and counted in its database per device, what an independent TLS client or the
/// network path observed. The devices run the firmware's portable core (connection manager, flood guard, telemetry,
/// loader and update engine) with host adapters. The demo stops after the first step with a failed check: every later
/// step stands on the earlier ones.
/// </summary>
public sealed class DemoScenario : IDisposable
{
    /// <summary>Time limits of the demo's waits.</summary>
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    private readonly DemoView _view;
    private readonly int _count;
    private readonly string? _keep;
    private readonly string _refusalCounter;
    private readonly List<DemoCheck> _checks = new();
    private readonly List<Device> _devices = new();
    private readonly Dictionary<string, DeviceIdentity> _identities = new(StringComparer.Ordinal);
    private DemoWorkspace? _workspace;
    private DemoService? _service;
    private DemoOperator? _operator;
    private readonly Dictionary<string, FlakyLink> _links = new(StringComparer.Ordinal);
    private string _step = string.Empty;

    /// <param name="view">Where the steps and checks are written.</param>
    /// <param name="devices">The fleet's devices, 2..20.</param>
    /// <param name="keep">The folder to keep everything in, or null for a temporary one.</param>
    /// <param name="refusalCounter">The built refusal counter plugin the demo's broker loads (step 8 checks its counts).</param>
    public DemoScenario(DemoView view, int devices, string? keep, string refusalCounter)
    {
        _view = view;
        _count = devices;
        _keep = keep;
        _refusalCounter = refusalCounter;
    }

    public IReadOnlyList<DemoCheck> Checks => _checks;

    /// <summary>
    /// A planted fault for the demo's own tests: this device is provisioned, registered at the broker and runs, but the
    /// fleet service's registry does not know it (the service reads a copy of the PKI whose inventory lacks it), so the
    /// service refuses and stores nothing of it and the demo must fail.
    /// </summary>
    internal string? HiddenDevice { get; init; }

    /// <summary>The broker, PKI, update server and folders; valid after <see cref="Run"/> until disposal (the kept demo serves from it).</summary>
    public DemoWorkspace Workspace => _workspace ?? throw new InvalidOperationException("the demo has not run");

    private DemoService Service => _service!;

    private DemoOperator Operator => _operator!;

    private Device Glitcher => _devices[0];

    private Device Revoked => _devices[^1];

    /// <summary>Runs every step; returns 0 when every check held, 1 otherwise.</summary>
    public int Run()
    {
        var clock = Stopwatch.StartNew();
        foreach (Action step in new Action[] { Setup, Connect, Update, Refuse, Revert, Glitch, Revoke, Respond })
        {
            step();
            if (_checks.Any(c => !c.Passed))
            {
                break;
            }
        }

        // The kept demo starts its own service over the same database: this one stops first.
        _service?.Dispose();
        _service = null;
        Summary(clock.Elapsed);
        DemoCheck? failed = _checks.FirstOrDefault(c => !c.Passed);
        if (failed != null)
        {
            _view.Line("FAILED: " + failed.Step + ": " + failed.Name + " (" + failed.Evidence + ")");
            return 1;
        }

        _view.Line("all " + _checks.Count + " checks held" + (_keep != null ? "; everything is kept in " + Workspace.Folder : string.Empty));
        return 0;
    }

    public void Dispose()
    {
        foreach (Device device in _devices)
        {
            device.PowerCut();
        }

        _service?.Dispose();
        _operator?.Dispose();
        foreach (FlakyLink link in _links.Values)
        {
            link.Dispose();
        }

        _workspace?.Dispose();
    }

    private void Setup()
    {
        Begin(1, "a fleet PKI, the reference broker, an update server and the fleet service, all fresh");
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _workspace = DemoWorkspace.Create(_keep, now, _refusalCounter);
        _view.Info("folder " + Workspace.Folder + (_keep == null ? " (deleted at the end; --keep DIR keeps it)" : string.Empty));
        _view.Info("PKI: root CA, device CA, broker, service and operator certificates (keys 0600); mosquitto on 127.0.0.1:" + Workspace.BrokerPort
            + ", with the refusal counter (every " + DemoWorkspace.RefusalInterval + " s)");
        _view.Info("update signing: root key, release-2025 and release-2026 delegated by it (private keys only in memory)");
        _view.Info("update server: " + Workspace.Updates.BaseUrl + " (HTTPS, certificate from the fleet root)");
        Expect("the broker runs the reference configuration", Workspace.Broker.Running, "pid " + Workspace.Broker.ProcessId);
        _operator = new DemoOperator(Workspace.Pki, Workspace.BrokerPort);
        Expect("the operator connects with its own certificate", true, "a mutual-TLS MQTT connection, the operator role: it publishes the update offers");

        SignedBundle factory = Workspace.Previous.Sign("sensor", new[] { "esp32" }, "1.0.0", 1, now.ToUnixTimeSeconds() - 600,
            Files("1.0.0", null));
        var backoff = new BackoffConfig { BootWindowMs = 3000, DisconnectWindowMs = 3000 };
        _view.Info("demo timing: a 3 s boot spread instead of 30 s (a fleet of " + _count + " needs no more); every other flood-guard setting is the firmware default");
        for (int i = 1; i <= _count; i++)
        {
            string id = "dev-" + i.ToString("D3", System.Globalization.CultureInfo.InvariantCulture);
            DeviceIdentity identity = Workspace.Provision(id, now);
            _identities[id] = identity;
            var flash = new MemoryFileStore();
            SigningKit.InstallInto(factory, flash, SlotLayout.SlotA);
            // Each device reaches the broker through its own relay, so the demo can break one device's network.
            var link = new FlakyLink(Workspace.BrokerPort);
            _links[id] = link;
            _devices.Add(new Device(identity, flash, backoff, () => ThroughLink(identity, link), new UpdateOptions
            {
                Anchors = Workspace.Release.Anchors(),
                Source = () => new HttpsBundleSource(Workspace.RootCa, TimeSpan.FromSeconds(10)),
                OfferSpacingMs = 2000,
                TestTimeoutMs = 120_000,
            }));
        }

        _view.Info("provisioned " + string.Join(", ", _devices.Select(d => d.Id)) + " (certificate, key, config.json and the nanoff files each), factory image 1.0.0 in slot A");
        _service = DemoService.Start(Workspace, now, HiddenDevice);
        bool ready = _view.Wait("the fleet service is ready", Short, () => Service.Readiness().Ready);
        Readiness readiness = Service.Readiness();
        _view.Info("fleet service " + DemoService.Instance + ": " + Service.Store.Description + ", http " + Service.Address + "; every check below reads its database");
        Expect("the fleet service " + DemoService.Instance + " holds the service role at the broker (" + ServiceIdentity.CommandName(DemoService.Instance) + " the commands role) and is ready",
            Service.Granted.Succeeded && ready, Service.Granted.Detail + "; broker " + readiness.Broker + ", database " + readiness.Database + ", registry " + readiness.Registry + ", ingest " + readiness.Ingest);
    }

    private void Connect()
    {
        Begin(2, "devices connect over mutual TLS and report health");
        foreach (Device device in _devices)
        {
            device.Start();
        }

        bool all = _view.Wait("every device online with a health report stored by the service", Short,
            () => _devices.All(d => Service.Device(d.Id) is StoredDevice s && s.Status == PresenceStatus.Online && s.Reports > 0));
        foreach (Device device in _devices)
        {
            StoredDevice seen = Service.Device(device.Id);
            Expect(device.Id + " connects with its own certificate and reports health", seen.Status == PresenceStatus.Online && seen.Reports > 0 && seen.Version == "1.0.0",
                seen.Describe() + ", version " + (seen.Version ?? "?") + ", boot reason " + seen.Field("life", "bootReason"));
        }

        // The broker's rights: a device can only speak for itself. Had the forged report (an empty CBOR map) reached the
        // service, it would have been refused as wrong-shape and counted against the first device. The broker's refusal
        // counter counts the refused publish against the second device (outside-acl): not a refusal of the service's.
        Device first = _devices[0];
        Device second = _devices[1];
        StoredDevice before = Service.Device(first.Id);
        byte[] forged = new byte[] { 0xa0 };
        second.Transport.Publish("devices/" + first.Id + "/up/health", forged, 0, forged.Length, 1, false, out _);
        System.Threading.Thread.Sleep(1500);
        StoredDevice after = Service.Device(first.Id);
        StoredDevice forger = Service.Device(second.Id);
        Expect(second.Id + " cannot publish as " + first.Id, after.Reports == before.Reports && after.RefusedTotal == before.RefusedTotal && forger.RefusedByService == 0,
            "the broker dropped the forged report (its role grants only devices/" + second.Id + "/up/...): " + first.Id + " " + after.Describe() + "; " + second.Id + " " + forger.Describe());
        FleetTable("fleet after boot");
        Expect("every device connected and reported", all, _devices.Count(d => Service.Device(d.Id).Reports > 0) + "/" + _devices.Count + " with reports stored");
    }

    private void Update()
    {
        Begin(3, "a signed update, 1.1.0, over the air to every device");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        SignedBundle release = Workspace.Release.Sign("sensor", new[] { "esp32" }, "1.1.0", 2, created, Files("1.1.0", null, 90_000), new[] { "release-2025" });
        string offer = Workspace.Publish(release, "1.1.0");
        _view.Info("signed 1.1.0 (security version 2, revokes key release-2025) with release-2026; offered on devices/ID/down/update: " + offer);
        foreach (Device device in _devices)
        {
            Operator.Offer(device.Id, offer);
        }

        _view.Wait("every device downloads, verifies, stages, reboots, tests and confirms 1.1.0", Long,
            () => _devices.All(d => HasEvent(d, "\"outcome\":\"confirmed\"", "\"version\":\"1.1.0\"") && Service.Device(d.Id).Version == "1.1.0"));
        foreach (Device device in _devices)
        {
            StoredDevice seen = Service.Device(device.Id);
            bool staged = HasEvent(device, "\"state\":\"staged\"", "\"version\":\"1.1.0\"");
            bool confirmed = HasEvent(device, "\"outcome\":\"confirmed\"", "\"version\":\"1.1.0\"");
            Expect(device.Id + " runs 1.1.0: staged, rebooted into it, confirmed", staged && confirmed && seen.Version == "1.1.0",
                "events " + Outcomes(device) + "; reports version " + (seen.Version ?? "?") + ", boot reason " + seen.Field("life", "bootReason"));
        }

        Expect("the bundle was served over HTTPS", Workspace.Updates.Requests >= 5L * _devices.Count, Workspace.Updates.Requests + " requests, " + Workspace.Updates.BytesSent + " bytes");
        FleetTable("fleet after the update");
    }

    private void Refuse()
    {
        Begin(4, "bad bundles are refused: tampered, signed by a revoked key, older security version");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        SignedBundle tampered = Workspace.Release.Sign("sensor", new[] { "esp32" }, "1.2.0", 3, created, Files("1.2.0", null));
        string tamperedOffer = Workspace.Publish(tampered, "1.2.0-tampered");
        Workspace.Tamper("1.2.0-tampered", "Sensor.Lib.pe");
        SignedBundle revokedKey = Workspace.Previous.Sign("sensor", new[] { "esp32" }, "1.2.1", 3, created, Files("1.2.1", null));
        SignedBundle older = Workspace.Release.Sign("sensor", new[] { "esp32" }, "1.3.0", 1, created, Files("1.3.0", null));
        var cases = new (string Name, string Offer, string Outcome)[]
        {
            ("a payload byte changed after signing", tamperedOffer, "rejected:hash-mismatch"),
            ("signed by release-2025, which 1.1.0 revoked", Workspace.Publish(revokedKey, "1.2.1-revoked-key"), "rejected:revoked-key"),
            ("security version 1, below the floor 2", Workspace.Publish(older, "1.3.0-rollback"), "rejected:rollback"),
        };
        foreach ((string name, string offer, string outcome) in cases)
        {
            foreach (Device device in _devices)
            {
                Operator.Offer(device.Id, offer);
            }

            _view.Wait("every device refuses: " + name, Short, () => _devices.All(d => HasEvent(d, "\"outcome\":\"" + outcome + "\"")));
            foreach (Device device in _devices)
            {
                StoredDevice seen = Service.Device(device.Id);
                Expect(device.Id + " refuses " + name, HasEvent(device, "\"outcome\":\"" + outcome + "\"") && device.RunningVersion == "1.1.0"
                    && seen.Status == PresenceStatus.Online && seen.Version == "1.1.0",
                    EventSummary(device) + "; still runs " + device.RunningVersion + " (last stored report: " + (seen.Version ?? "?") + ", " + seen.Status.ToString().ToLowerInvariant() + ")");
            }

            // The engine takes at most one offer per 2 s in this demo (10 s by default).
            System.Threading.Thread.Sleep(2500);
        }
    }

    private void Revert()
    {
        Begin(5, "an update that never confirms is reverted after 3 boots");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        SignedBundle crashing = Workspace.Release.Sign("sensor", new[] { "esp32" }, "1.4.0", 3, created, Files("1.4.0", "sd-sim:crash-after-ms=0"));
        string offer = Workspace.Publish(crashing, "1.4.0");
        List<Device> targets = _devices.Skip(1).ToList();
        _view.Info("1.4.0 is validly signed but its application crashes the device at every boot; offered to " + string.Join(", ", targets.Select(d => d.Id))
            + " (" + Glitcher.Id + " is kept for the glitch step)");
        foreach (Device device in targets)
        {
            Operator.Offer(device.Id, offer);
        }

        _view.Wait("every target reverts to 1.1.0", Long, () => targets.All(d => HasEvent(d, "\"outcome\":\"reverted:boot-limit\"") && Service.Device(d.Id).Version == "1.1.0"));
        foreach (Device device in targets)
        {
            UpdateJournal journal = device.Loader!.Journal.Current;
            Expect(device.Id + " tried 1.4.0 for 3 boots and went back to 1.1.0", HasEvent(device, "\"outcome\":\"reverted:boot-limit\"") && device.RunningVersion == "1.1.0"
                && Service.Device(device.Id).Version == "1.1.0" && journal.SecurityFloor == 2,
                device.Crashes + " crashes, " + EventSummary(device) + ", floor " + journal.SecurityFloor + " (not raised)");
        }

        FleetTable("fleet after the revert");
    }

    private void Glitch()
    {
        Begin(6, Glitcher.Id + " glitches: its network path fails and it reboots; it cannot flood the broker");
        FlakyLink link = _links[Glitcher.Id];
        StoredDevice seen = Service.Device(Glitcher.Id);
        int reportsBefore = seen.Reports;
        long bootsBefore = seen.Field("life", "bootCount") ?? 0;
        link.Broken = true;
        var watch = Stopwatch.StartNew();
        _view.Info("link broken: its connection is cut, every new one fails; 15 s in, the device loses power and reboots;"
            + " the link stays broken until the rebooted device has tried it at least once (its backoff, carried across the reboot, decides when)");
        _view.Wait("15 s of glitching", TimeSpan.FromSeconds(15), () => false);
        int refusedBeforeReboot = link.Refused;
        Glitcher.Reboot();
        _view.Wait("15 s more, after the reboot", TimeSpan.FromSeconds(15), () => false);
        _view.Wait("the rebooted device's first attempt", TimeSpan.FromSeconds(120), () => link.Refused > refusedBeforeReboot);
        int attempts = link.Refused;
        double seconds = watch.Elapsed.TotalSeconds;
        link.Broken = false;
        _view.Info("link mended after " + seconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " s");
        Expect("attempts while broken stay far below a fixed 1 s retry", attempts >= 2 && attempts <= 15,
            attempts + " connection attempts reached the broken link in " + seconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)
            + " s with a reboot (a fixed 1 s retry: ~" + (int)seconds + "; esp-mqtt's 10 s: ~" + (int)(seconds / 10) + " per boot)");
        bool reported = _view.Wait(Glitcher.Id + " reconnects on its own schedule and reports", Long, () =>
        {
            seen = Service.Device(Glitcher.Id);
            return seen.Reports > reportsBefore && (seen.Field("life", "bootCount") ?? 0) > bootsBefore;
        });
        long? reason = seen.Field("life", "bootReason");
        long failures = (seen.Field("connection", "failedNetwork") ?? 0) + (seen.Field("connection", "failedTls") ?? 0) + (seen.Field("connection", "failedRefused") ?? 0);
        Expect(Glitcher.Id + " reports the crash and the failed attempts", reported && reason == 5 && failures >= 1 && (seen.Field("connection", "backoffS") ?? 0) >= 1,
            "boot reason " + reason + " (unclean), boot " + seen.Field("life", "bootCount") + ", attempts " + seen.Field("connection", "attempts")
            + ", failed " + failures + ", last backoff " + seen.Field("connection", "backoffS") + " s");
    }

    private void Revoke()
    {
        Begin(7, "revoke " + Revoked.Id + ": the broker refuses it from then on");
        Workspace.Revoke(Revoked.Id, DateTimeOffset.UtcNow);
        int attemptsBefore = Revoked.Agent.Connection.Counters.Attempts;
        _links[Revoked.Id].Cut();
        _view.Info("revoked in the inventory, CRL re-issued, broker reloaded (SIGHUP); a network blip makes " + Revoked.Id + " reconnect");
        _view.Wait(Revoked.Id + " tries to reconnect", Short, () => Revoked.Agent.Connection.Counters.Attempts > attemptsBefore && !Revoked.Connected
            && Revoked.Agent.Connection.State == ConnectionState.WaitingToRetry);
        var probe = new TlsMqttTransport(_identities[Revoked.Id].Endpoint("127.0.0.1"));
        var result = new ConnectResult();
        probe.Connect(new MqttConnectOptions { ClientId = Revoked.Id, KeepAliveSeconds = 30, CleanSession = true }, result);
        probe.Dispose();
        ConnectionCounters counters = Revoked.Agent.Connection.Counters;
        Expect("the broker refuses " + Revoked.Id + "'s certificate", !result.Connected && !Revoked.Connected,
            "a fresh TLS client with its certificate: " + (result.Connected ? "accepted" : "refused (" + result.Failure + ")") + "; the device: "
            + counters.Attempts + " attempt(s), " + (counters.FailedTls + counters.FailedAuthentication) + " refused, next try in "
            + (Revoked.Agent.Connection.Policy.MillisecondsUntilAttempt(Environment.TickCount64) / 1000) + " s");
        bool marked = _view.Wait("the service's registry marks " + Revoked.Id + " revoked", Short, () => Service.Device(Revoked.Id).Record?.Status == "revoked");
        StoredDevice revoked = Service.Device(Revoked.Id);
        Expect("the service's registry marks " + Revoked.Id + " revoked", marked,
            "registry status " + (revoked.Record?.Status ?? "none") + (revoked.Record?.RevokedMs is long at ? " since " + DateTimeOffset.FromUnixTimeMilliseconds(at).ToString("HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + "Z" : string.Empty)
            + ", presence " + revoked.Status.ToString().ToLowerInvariant());
        List<Device> others = _devices.Where(d => d != Revoked).ToList();
        bool othersUp = others.All(d => d.Connected && Service.Device(d.Id).Status == PresenceStatus.Online);
        Expect("the other devices stay connected", othersUp,
            string.Join(", ", others.Select(d => d.Id + (d.Connected ? " connected" : " disconnected") + ", stored presence " + Service.Device(d.Id).Status.ToString().ToLowerInvariant())));
        FleetTable("fleet at the end");
    }

    private void Respond()
    {
        Begin(8, "the fleet service: a coin miner is flagged; a device sending garbage is throttled, then quarantined; its owner is alerted");
        new ResponseStep(Workspace, Service, Expect, _view.Info).RunAsync().GetAwaiter().GetResult();
    }

    private void Summary(TimeSpan elapsed)
    {
        _view.Line(string.Empty);
        _view.Table("checks (" + elapsed.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " s)",
            new[] { "step", "check", "result", "evidence" },
            _checks.Select(c => (IReadOnlyList<string>)new[] { c.Step, c.Name, c.Passed ? "PASS" : "FAIL", c.Evidence }));
    }

    private void Begin(int number, string title)
    {
        _step = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _view.Step(number, title);
    }

    private void Expect(string name, bool passed, string evidence)
    {
        var check = new DemoCheck(_step, name, passed, evidence);
        _checks.Add(check);
        _view.Check(check);
    }

    private void FleetTable(string title)
    {
        _view.Table(title, new[] { "device", "state", "version", "supply mV", "up msgs/KiB", "down msgs/KiB", "rejected", "attempts", "backoff s", "last update event" },
            _devices.Select(d =>
            {
                StoredDevice seen = Service.Device(d.Id);
                return (IReadOnlyList<string>)new[]
                {
                    d.Id, seen.Status.ToString().ToLowerInvariant(), seen.Version ?? "?", Text(seen.Field("power", "supplyMv")),
                    Text(seen.Field("traffic", "messagesUp")) + "/" + Text(seen.Field("traffic", "payloadUpKiB")),
                    Text(seen.Field("traffic", "messagesDown")) + "/" + Text(seen.Field("traffic", "payloadDownKiB")),
                    Text(seen.Field("protection", "rejected")), Text(seen.Field("connection", "attempts")), Text(seen.Field("connection", "backoffS")),
                    ShortEvent(d),
                };
            }));
    }

    private static string Text(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-";

    private bool HasEvent(Device device, params string[] parts) => Service.UpdateEvents(device.Id).Any(e => parts.All(p => e.Contains(p, StringComparison.Ordinal)));

    private string LastEvent(Device device) => Service.UpdateEvents(device.Id).LastOrDefault() ?? "no event";

    // "rejected:hash-mismatch (Sensor.Lib.pe: hash-mismatch)" from the last event's outcome and detail.
    private string EventSummary(Device device)
    {
        string last = LastEvent(device);
        int at = last.IndexOf("\"detail\":\"", StringComparison.Ordinal);
        return "event " + ShortEvent(device) + (at < 0 ? string.Empty : " (" + last.Substring(at + 10, last.IndexOf('"', at + 10) - at - 10) + ")");
    }

    private string ShortEvent(Device device)
    {
        string last = LastEvent(device);
        int at = last.IndexOf("\"outcome\":\"", StringComparison.Ordinal);
        return at < 0 ? "-" : last.Substring(at + 11, last.IndexOf('"', at + 11) - at - 11);
    }

    // The path through the update as the events told it, e.g. "downloading > staged > testing > confirmed".
    private string Outcomes(Device device)
    {
        var steps = new List<string>();
        foreach (string e in Service.UpdateEvents(device.Id))
        {
            string state = Between(e, "\"state\":\"");
            string outcome = Between(e, "\"outcome\":\"");
            string step = state == "idle" && outcome != "none" && outcome != "staged" ? outcome : state;
            if (step != "idle" && (steps.Count == 0 || steps[^1] != step))
            {
                steps.Add(step);
            }
        }

        return string.Join(" > ", steps);
    }

    private static string Between(string json, string prefix)
    {
        int at = json.IndexOf(prefix, StringComparison.Ordinal);
        return at < 0 ? "?" : json.Substring(at + prefix.Length, json.IndexOf('"', at + prefix.Length) - at - prefix.Length);
    }

    private static TlsEndpoint ThroughLink(DeviceIdentity identity, FlakyLink link)
    {
        TlsEndpoint direct = identity.Endpoint("127.0.0.1");
        return new TlsEndpoint
        {
            Host = direct.Host,
            Port = link.Port,
            ConnectAddress = "127.0.0.1",
            ClientCertificate = direct.ClientCertificate,
            ClientChain = direct.ClientChain,
            TrustAnchor = direct.TrustAnchor,
            Timeout = direct.Timeout,
        };
    }

    // A simulated application: the entry assembly (text with behaviour markers) and a library of random bytes.
    private static (string Name, byte[] Content)[] Files(string version, string? markers, int libraryBytes = 20_000) =>
        new[] { ("Sensor.App.pe", SimulatedApplication.EntryAssembly(version, markers)), ("Sensor.Lib.pe", RandomNumberGenerator.GetBytes(libraryBytes)) };
}
