using System;
using System.CommandLine;
using System.IO;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary>
/// <c>securedevice service --pki PKI --data DIR [--database postgres://...]</c>: runs the fleet service until Ctrl-C or
/// SIGTERM (docs/service.md); <c>securedevice service identity service.N --pki PKI</c> issues a further instance's identity
/// and its command identity (<c>service identity service</c>: the command identity alone, for a PKI made before it existed).
/// </summary>
public static class ServiceCommand
{
    public static Command Create(ToolConsole console)
    {
        var pki = new Option<string>("--pki") { Description = "PKI folder ('pki init'): root CA, the service identity and its command identity, inventory.json.", Required = true };
        var data = new Option<string>("--data") { Description = "The service's folder (must exist): the SQLite database unless --database is given.", Required = true };
        var database = new Option<string>("--database") { Description = "postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...] (prefer PGPASSWORD or ~/.pgpass for the password)." };
        var broker = new Option<string>("--broker") { Description = "Broker HOST:PORT; HOST as in the broker's certificate (default localhost:8883)." };
        var identity = new Option<string>("--identity") { Description = "Identity in the PKI folder: NAME.pem and NAME.key.pem (default service; service.N for more instances)." };
        var listen = new Option<string>("--listen") { Description = "IP:PORT for /metrics and /health (default 127.0.0.1:9180; port 0 picks one)." };
        var rawDays = new Option<string>("--raw-days") { Description = "Days raw reports are kept, 1..3650 (default 7)." };
        var hourlyDays = new Option<string>("--hourly-days") { Description = "Days hourly roll-ups are kept, 1..36500 and at least --raw-days (default 400)." };
        var eventDays = new Option<string>("--event-days") { Description = "Days events and counters are kept, 1..36500 (default 90)." };
        var deviceRate = new Option<string>("--device-rate") { Description = "Messages per hour one device may send on average, 1..2000000000 (default 720)." };
        var deviceBurst = new Option<string>("--device-burst") { Description = "Messages one device may send at once, 1..1000000 (default 60)." };
        var dealing = new Option<string>("--dealing") { Description = "How the broker deals the shared subscription between instances: round-robin (mosquitto, default: each of L live instances takes 1/L of the device and customer limits) or sticky (each device to one instance, e.g. EMQX hash_clientid: whole limits)." };
        var sessionExpiry = new Option<string>("--session-expiry-s") { Description = "How long the broker keeps the service's session and queue, 60..4294967295 s (default 86400)." };
        var snapshot = new Option<string>("--snapshot-s") { Description = "Seconds between detection snapshots to the database, 10..3600 (default 300): a kill -9 loses at most this much learning." };
        var detectionFeed = new Option<string>("--detection-feed") { Description = "Where detection learns what was stored: local (this instance's batches, in process; default) or database (every instance's, through the database, judged by the one instance holding the detection lease: for several instances sharing the broker's subscription; docs/scale.md)." };
        var quiet = new Option<bool>("--quiet") { Description = "Log warnings and errors only." };
        var contacts = new Option<string>("--contacts") { Description = "Customer contacts (JSON, mode 0600: webhook URL and secret, e-mail addresses per customer; docs/response.md). Without it, no alerts are sent." };
        var smtp = new Option<string>("--smtp") { Description = "SMTP relay HOST:PORT for e-mail alerts (587: STARTTLS; 465: TLS)." };
        var smtpFrom = new Option<string>("--smtp-from") { Description = "Sender address of e-mail alerts (required with --smtp)." };
        var consoleListen = new Option<string>("--console") { Description = "IP:PORT where the web console listens, HTTPS only (docs/console.md); off when absent." };
        var consoleCert = new Option<string>("--console-cert") { Description = "PEM certificate of the console (default: the PKI's broker.pem)." };
        var consoleKey = new Option<string>("--console-key") { Description = "Its PEM key, mode 0600 (default: the PKI's broker.key.pem)." };
        var bundles = new Option<string>("--bundles") { Description = "Folder of signed bundles (one per sub-folder) the console may offer to devices (with --bundle-url and --bundle-root; published as the PKI's operator identity)." };
        var bundleUrl = new Option<string>("--bundle-url") { Description = "https://HOST[:PORT]/PATH/ where that folder is served to devices (a bundle NAME is offered as this URL + NAME/)." };
        var bundleRoot = new Option<string[]>("--bundle-root") { Description = "Root public key (PEM) the devices trust for bundles; repeatable (up to 4). Offers are verified against it first." };
        var staffAlerts = new Option<string>("--staff-alerts") { Description = "Customer id in --contacts whose webhook/e-mail receive the console's staff alerts (failure bursts, halts of multi-customer rollouts); needs --console." };
        var insecure = new Option<bool>("--allow-insecure-permissions") { Description = "Start even when the data or PKI folder, a key or the database is open to group/others (warns loudly)." };
        var command = new Command("service", "Run the fleet service: ingest every device's reports, store them, serve /metrics and /health.")
        {
            pki, data, database, broker, identity, listen, rawDays, hourlyDays, eventDays, deviceRate, deviceBurst, dealing, sessionExpiry, snapshot, detectionFeed, quiet, contacts, smtp, smtpFrom, consoleListen, consoleCert, consoleKey, bundles, bundleUrl, bundleRoot, staffAlerts, insecure,
        };
        command.SetAction(result =>
        {
            var (host, port) = result.GetValue(broker) is string b ? CliParsing.HostPort(b, "--broker") : ("localhost", 8883);
            int events = result.GetValue(eventDays) is string e ? CliParsing.Between(e, "--event-days", 1, 36500) : 90;
            int snapshotSeconds = result.GetValue(snapshot) is string ss ? CliParsing.Between(ss, "--snapshot-s", 10, 3600) : 300;
            var options = new ServiceOptions
            {
                PkiFolder = result.GetValue(pki)!,
                DataFolder = result.GetValue(data)!,
                DatabaseUrl = result.GetValue(database),
                BrokerHost = host,
                BrokerPort = port,
                Identity = result.GetValue(identity) ?? "service",
                Listen = result.GetValue(listen) is string l ? Endpoint(l, "--listen") : new IPEndPoint(IPAddress.Loopback, 9180),
                SessionExpirySeconds = result.GetValue(sessionExpiry) is string s ? (uint)Math.Max(60, CliParsing.Count(s, "--session-expiry-s", uint.MaxValue)) : 86_400,
                Retention = new RetentionPolicy(
                    result.GetValue(rawDays) is string r ? CliParsing.Between(r, "--raw-days", 1, 3650) : 7, events,
                    result.GetValue(hourlyDays) is string h ? CliParsing.Between(h, "--hourly-days", 1, 36500) : 400, events, 1830),
                Ingest = new IngestOptions
                {
                    DetectionFeed = FeedMode(result.GetValue(detectionFeed)),
                    Limits = new FairLimits(
                        result.GetValue(deviceBurst) is string db ? CliParsing.Between(db, "--device-burst", 1, 1_000_000) : 60,
                        result.GetValue(deviceRate) is string dr ? CliParsing.Between(dr, "--device-rate", 1, 2_000_000_000) : 720),
                    Dealing = result.GetValue(dealing) switch
                    {
                        null or "round-robin" => IngestDealing.RoundRobin,
                        "sticky" => IngestDealing.Sticky,
                        _ => throw new ToolException("--dealing must be round-robin or sticky"),
                    },
                },
                LogLevel = result.GetValue(quiet) ? LogLevel.Warning : LogLevel.Information,
            };
            if (options.Retention.HourlyDays < options.Retention.RawDays)
            {
                // The console graphs roll-ups beyond the raw window: roll-ups pruned before the raw reports they summarise
                // would leave a gap there, so the combination is a mistake in the arguments (the defaults included).
                throw new ToolException("--hourly-days (" + options.Retention.HourlyDays + ") must be at least --raw-days (" + options.Retention.RawDays
                    + "): hourly roll-ups cannot be kept for less time than the raw reports");
            }

            if (result.GetValue(consoleListen) == null
                && (result.GetValue(bundles) != null || result.GetValue(bundleUrl) != null || (result.GetValue(bundleRoot)?.Length ?? 0) > 0))
            {
                // Offers are made from the console; accepting the options without it would silently offer nothing.
                throw new ToolException("--bundles, --bundle-url and --bundle-root need --console (offers are made from the console)");
            }

            string? staff = result.GetValue(staffAlerts);
            if (staff != null && (result.GetValue(consoleListen) == null || result.GetValue(contacts) == null || !SecureDevice.Fleet.Pki.Inventory.IsOwner(staff)))
            {
                throw new ToolException("--staff-alerts needs --console and --contacts, and a customer id (an owner id as in the inventory)");
            }

            if (!StoragePermissions.TryAccept(options.DataFolder, options.PkiFolder, result.GetValue(insecure), console.ErrorLine, out string refusal))
            {
                throw new ToolException(refusal);
            }

            SmtpSettings? relay = Relay(result.GetValue(smtp), result.GetValue(smtpFrom));

            SecureDevice.WebConsole.Web.ConsoleModule? web = null;
            if (result.GetValue(consoleListen) is string at)
            {
                var layout = new PkiLayout(options.PkiFolder);
                web = ConsoleWeb(options, Endpoint(at, "--console"), result.GetValue(consoleCert) ?? layout.BrokerCertificate, result.GetValue(consoleKey) ?? layout.BrokerKey,
                    OfferBundles(result.GetValue(bundles), result.GetValue(bundleUrl), result.GetValue(bundleRoot)), staff);
            }

            var integration = new IntegrationOptions { ContactsFile = result.GetValue(contacts), Smtp = relay, SnapshotInterval = TimeSpan.FromSeconds(snapshotSeconds) };
            return RunUntilSignal(console, options, integration, web, running =>
                console.Line("service " + running.Service.Instance + ": " + running.Service.Store.Description + ", broker " + options.BrokerHost + ":" + options.BrokerPort
                    + ", http " + running.Address + " (/metrics, /health/live, /health/ready)"));
        });
        command.Subcommands.Add(Identity(console));
        return command;
    }

    /// <summary>The detection feed of <c>--detection-feed local|database</c> (local without it); one line, exit 2, for another value.</summary>
    internal static DetectionFeedMode FeedMode(string? value) => value switch
    {
        null or "local" => DetectionFeedMode.Local,
        "database" => DetectionFeedMode.Database,
        _ => throw new ToolException("--detection-feed must be local or database, not '" + SecureDevice.Fleet.Text.Printable.Escape(value) + "'"),
    };

    /// <summary>The SMTP relay of <c>--smtp HOST:PORT --smtp-from ADDRESS</c> (null without <c>--smtp</c>); one line, exit 2, when malformed.</summary>
    internal static SmtpSettings? Relay(string? address, string? from)
    {
        if (address == null)
        {
            return null;
        }

        var (host, port) = CliParsing.HostPort(address, "--smtp");
        if (from == null)
        {
            throw new ToolException("--smtp needs --smtp-from ADDRESS");
        }

        if (!CustomerContacts.IsEmail(from))
        {
            throw new ToolException("--smtp-from is not an e-mail address");
        }

        return new SmtpSettings { Host = host, Port = port, From = from };
    }

    /// <summary>The console's bundle folder for update offers: all three options or none (one line, exit 2, otherwise).</summary>
    private static SecureDevice.WebConsole.Updates.BundleSource? OfferBundles(string? folder, string? url, string[]? roots)
    {
        if (folder == null && url == null && (roots == null || roots.Length == 0))
        {
            return null;
        }

        if (folder == null || url == null || roots == null || roots.Length == 0)
        {
            throw new ToolException("update offers need --bundles, --bundle-url and --bundle-root together");
        }

        if (!Directory.Exists(folder))
        {
            throw new ToolException("--bundles: no such folder: " + folder);
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? baseUrl) || !SecureDevice.WebConsole.Updates.BundleSource.IsValidBaseUrl(baseUrl))
        {
            throw new ToolException("--bundle-url must be https://HOST[:PORT]/PATH/ (ending in '/', no query, fragment or credentials)");
        }

        return new SecureDevice.WebConsole.Updates.BundleSource(Path.GetFullPath(folder), baseUrl, VerifyCommand.ReadRoots(roots));
    }

    /// <summary>The operator identity (offers are the operator's right at the broker, not the service's).</summary>
    private static SecureDevice.Fleet.Broker.BrokerIdentity OperatorIdentity(PkiLayout layout)
    {
        if (!File.Exists(layout.OperatorCertificate) || !File.Exists(layout.OperatorKey))
        {
            throw new ToolException("update offers need the operator identity in the PKI folder (operator.pem, operator.key.pem)");
        }

        return SecureDevice.Fleet.Broker.BrokerIdentity.Operator(layout);
    }

    /// <summary>
    /// The web console over HTTPS at <paramref name="listen"/> with the given certificate; with <paramref name="bundles"/>,
    /// update offers published as the PKI's operator identity.
    /// </summary>
    internal static SecureDevice.WebConsole.Web.ConsoleModule ConsoleWeb(ServiceOptions options, IPEndPoint listen, string certificate, string key, SecureDevice.WebConsole.Updates.BundleSource? bundles,
        string? staffAlerts = null)
    {
        var layout = new PkiLayout(options.PkiFolder);
        return new SecureDevice.WebConsole.Web.ConsoleModule(new SecureDevice.WebConsole.ConsoleOptions
        {
            Listen = listen,
            Certificate = SecureDevice.WebConsole.ConsoleCertificate.Load(certificate, key),
            Bundles = bundles,
            StaffAlertContact = staffAlerts,
            OfferPublisher = bundles == null ? null
                : new SecureDevice.Fleet.Response.MqttCommandPublisher(SecureDevice.Fleet.Broker.BrokerEndpoint.For(layout, options.BrokerHost, options.BrokerPort), OperatorIdentity(layout)),
        });
    }

    /// <summary>
    /// Starts the service (ingest, detection and response, the web module if any), calls <paramref name="started"/>,
    /// serves until SIGINT or SIGTERM, stops cleanly and returns 0.
    /// </summary>
    internal static int RunUntilSignal(ToolConsole console, ServiceOptions options, IntegrationOptions integrationOptions, IServiceWebModule? web, Action<RunningService> started)
    {
        using var integration = new FleetIntegration(integrationOptions);
        using var stop = new ManualResetEventSlim();
        Action<PosixSignalContext> onSignal = signal =>
        {
            signal.Cancel = true;
            stop.Set();
        };
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, onSignal);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, onSignal);
        ServiceExtensions wired = integration.Extensions;
        var extensions = new ServiceExtensions
        {
            Observers = wired.Observers, Response = wired.Response, Attachments = wired.Attachments, WrapStore = wired.WrapStore, Time = wired.Time, Web = web,
        };
        RunningService running = FleetServiceHost.StartAsync(options, extensions).GetAwaiter().GetResult();
        try
        {
            started(running);
            console.Out.Flush();
            stop.Wait();
        }
        finally
        {
            running.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        console.Line("service stopped");
        return 0;
    }

    private static Command Identity(ToolConsole console)
    {
        var name = new Argument<string>("name") { Description = "service.N ('service.' and 1-32 of [a-z0-9-]), or service for its command identity alone." };
        var pki = new Option<string>("--pki") { Description = "PKI folder ('pki init').", Required = true };
        var broker = new Option<string>("--broker") { Description = "Broker HOST:PORT: also give the identity the service role and its command identity the commands role in its dynamic-security plugin (with the PKI's broker-admin identity)." };
        var command = new Command("identity", "Issue the identity of a further service instance (NAME.pem, NAME.key.pem) and its command identity (commands.NAME.pem, commands.NAME.key.pem) from the PKI's device CA.") { name, pki, broker };
        command.SetAction(result =>
        {
            var layout = new PkiLayout(result.GetValue(pki)!);
            string instance = result.GetValue(name)!;
            var (host, port) = result.GetValue(broker) is string b ? CliParsing.HostPort(b, "--broker") : (string.Empty, 0);
            string written = ServiceIdentity.Issue(layout, instance, console.Clock());
            if (port == 0)
            {
                console.Line("issued " + written + "; the broker must grant them their roles (give --broker when issuing, or see docs/service.md, \"Two instances\")");
                return 0;
            }

            using DynamicSecurityAdmin admin = DynamicSecurityAdmin.For(layout, host, port);
            BrokerAccessResult granted = admin.AddServiceInstanceAsync(instance).GetAwaiter().GetResult();
            if (!granted.Succeeded)
            {
                console.ErrorLine("issued " + written + " but the broker did not grant its roles: " + granted.Status + ": " + granted.Detail);
                return 1;
            }

            console.Line("issued " + written + " and gave " + (instance == BrokerRights.ServiceUser ? string.Empty : instance + " the service role and ") + ServiceIdentity.CommandName(instance) + " the commands role at " + host + ":" + port);
            return 0;
        });
        return command;
    }

    private static IPEndPoint Endpoint(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0)
        {
            throw new ToolException(option + " must be IP:PORT, got '" + text + "'");
        }

        IPAddress address = CliParsing.Address(text[..colon].Trim('[', ']'), option);
        return new IPEndPoint(address, (int)CliParsing.Count(text[(colon + 1)..], option + " port", 65535));
    }
}
