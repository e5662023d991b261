using System;
using System.CommandLine;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Pki;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Storage;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary>
/// <c>securedevice service --pki PKI --data DIR [--database postgres://...]</c>: runs the fleet service until Ctrl-C or
/// SIGTERM (docs/service.md); <c>securedevice service identity service.N --pki PKI</c> issues a further instance's identity.
/// </summary>
public static class ServiceCommand
{
    public static Command Create(ToolConsole console)
    {
        var pki = new Option<string>("--pki") { Description = "PKI folder ('pki init'): root CA, the service identity, inventory.json.", Required = true };
        var data = new Option<string>("--data") { Description = "The service's folder (must exist): the SQLite database unless --database is given.", Required = true };
        var database = new Option<string>("--database") { Description = "postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=...] (prefer PGPASSWORD or ~/.pgpass for the password)." };
        var broker = new Option<string>("--broker") { Description = "Broker HOST:PORT; HOST as in the broker's certificate (default localhost:8883)." };
        var identity = new Option<string>("--identity") { Description = "Identity in the PKI folder: NAME.pem and NAME.key.pem (default service; service.N for more instances)." };
        var listen = new Option<string>("--listen") { Description = "IP:PORT for /metrics and /health (default 127.0.0.1:9180; port 0 picks one)." };
        var rawDays = new Option<string>("--raw-days") { Description = "Days raw reports are kept, 1..3650 (default 7)." };
        var hourlyDays = new Option<string>("--hourly-days") { Description = "Days hourly roll-ups are kept, 1..36500 (default 400)." };
        var eventDays = new Option<string>("--event-days") { Description = "Days events and counters are kept, 1..36500 (default 90)." };
        var deviceRate = new Option<string>("--device-rate") { Description = "Messages per hour one device may send on average, 1..100000000 (default 720)." };
        var deviceBurst = new Option<string>("--device-burst") { Description = "Messages one device may send at once, 1..1000000 (default 60)." };
        var sessionExpiry = new Option<string>("--session-expiry-s") { Description = "How long the broker keeps the service's session and queue, 60..4294967295 s (default 86400)." };
        var quiet = new Option<bool>("--quiet") { Description = "Log warnings and errors only." };
        var consoleListen = new Option<string>("--console") { Description = "IP:PORT where the web console listens, HTTPS only (docs/console.md); off when absent." };
        var consoleCert = new Option<string>("--console-cert") { Description = "PEM certificate of the console (default: the PKI's broker.pem)." };
        var consoleKey = new Option<string>("--console-key") { Description = "Its PEM key, mode 0600 (default: the PKI's broker.key.pem)." };
        var insecure = new Option<bool>("--allow-insecure-permissions") { Description = "Start even when the data or PKI folder, a key or the database is open to group/others (warns loudly)." };
        var command = new Command("service", "Run the fleet service: ingest every device's reports, store them, serve /metrics and /health.")
        {
            pki, data, database, broker, identity, listen, rawDays, hourlyDays, eventDays, deviceRate, deviceBurst, sessionExpiry, quiet, consoleListen, consoleCert, consoleKey, insecure,
        };
        command.SetAction(result =>
        {
            var (host, port) = result.GetValue(broker) is string b ? CliParsing.HostPort(b, "--broker") : ("localhost", 8883);
            int events = result.GetValue(eventDays) is string e ? CliParsing.Between(e, "--event-days", 1, 36500) : 90;
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
                    Limits = new FairLimits(
                        result.GetValue(deviceBurst) is string db ? CliParsing.Between(db, "--device-burst", 1, 1_000_000) : 60,
                        result.GetValue(deviceRate) is string dr ? CliParsing.Between(dr, "--device-rate", 1, 100_000_000) : 720),
                },
                LogLevel = result.GetValue(quiet) ? LogLevel.Warning : LogLevel.Information,
            };
            if (!StoragePermissions.TryAccept(options.DataFolder, options.PkiFolder, result.GetValue(insecure), console.ErrorLine, out string refusal))
            {
                throw new ToolException(refusal);
            }

            ServiceExtensions extensions = new();
            if (result.GetValue(consoleListen) is string at)
            {
                var layout = new PkiLayout(options.PkiFolder);
                extensions = new ServiceExtensions
                {
                    Web = new SecureDevice.WebConsole.Web.ConsoleModule(new SecureDevice.WebConsole.ConsoleOptions
                    {
                        Listen = Endpoint(at, "--console"),
                        Certificate = SecureDevice.WebConsole.ConsoleCertificate.Load(result.GetValue(consoleCert) ?? layout.BrokerCertificate, result.GetValue(consoleKey) ?? layout.BrokerKey),
                    }),
                };
            }

            return Run(console, options, extensions);
        });
        command.Subcommands.Add(Identity(console));
        return command;
    }

    private static int Run(ToolConsole console, ServiceOptions options, ServiceExtensions extensions)
    {
        using var stop = new ManualResetEventSlim();
        Action<PosixSignalContext> onSignal = signal =>
        {
            signal.Cancel = true;
            stop.Set();
        };
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, onSignal);
        using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, onSignal);
        RunningService running = FleetServiceHost.StartAsync(options, extensions).GetAwaiter().GetResult();
        try
        {
            console.Line("service " + running.Service.Instance + ": " + running.Service.Store.Description + ", broker " + options.BrokerHost + ":" + options.BrokerPort
                + ", http " + running.Address + " (/metrics, /health/live, /health/ready)");
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
        var name = new Argument<string>("name") { Description = "service.N: 'service.' and 1-32 of [a-z0-9-]." };
        var pki = new Option<string>("--pki") { Description = "PKI folder ('pki init').", Required = true };
        var command = new Command("identity", "Issue the identity of a further service instance (NAME.pem, NAME.key.pem) from the PKI's device CA.") { name, pki };
        command.SetAction(result =>
        {
            string written = ServiceIdentity.Issue(new PkiLayout(result.GetValue(pki)!), result.GetValue(name)!, console.Clock());
            console.Line("issued " + written + "; the broker must grant it the rights of 'service' (docs/service.md, \"Two instances\")");
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
