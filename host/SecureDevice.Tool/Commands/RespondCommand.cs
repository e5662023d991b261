using System;
using System.CommandLine;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Integration;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary>
/// <c>securedevice respond throttle|quarantine|lift|revoke DEVICE</c>: an operator's hand on the response ladder
/// (docs/response.md), option parsing over <see cref="ResponseActions"/> with the operator identity, the broker-admin
/// identity and an audit file. Exit 0 when done, 1 when the action failed (broker, PKI, audit), 2 for bad input, an
/// unknown or revoked device. It sends no alerts: owners are alerted by the fleet service.
/// </summary>
public static class RespondCommand
{
    public static Command Create(ToolConsole console)
    {
        var respond = new Command("respond", "Throttle, quarantine, lift or revoke a device at the running broker, audited (docs/response.md).");
        respond.Subcommands.Add(Step(console, "throttle", "Send a throttle command on the device's down topic (it can only slow the device down).", ActionKind.Throttle));
        respond.Subcommands.Add(Step(console, "quarantine", "Replace the device's broker role by the quarantine role and end its connection.", ActionKind.Quarantine));
        respond.Subcommands.Add(Step(console, "lift", "Give the device its own role again and end a throttle.", ActionKind.Lift));
        respond.Subcommands.Add(Step(console, "revoke", "Revoke the certificate (inventory, CRL, broker reload) and delete its broker client. Never undone.", ActionKind.Revoke));
        return respond;
    }

    private static Command Step(ToolConsole console, string name, string description, ActionKind kind)
    {
        var id = new Argument<string>("device-id") { Description = "The device." };
        var pki = new Option<string>("--pki") { Description = "PKI folder (inventory, operator and broker-admin identities).", Required = true };
        var target = new Option<string>("--broker") { Description = "The running broker, HOST:PORT (its certificate must name HOST).", Required = true };
        var actor = new Option<string>("--actor") { Description = "Who acts: the operator's name (1-64 printable characters).", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (at most 512 printable characters).", Required = true };
        var audit = new Option<string>("--audit") { Description = "Without a fleet service: the audit file (JSON lines, hash-chained, created 0600)." };
        var data = new Option<string>("--data") { Description = "The fleet service's data folder (as 'securedevice service --data'): act through the service's path, so its database (state, presence, audit, owner alerts) sees the action." };
        var database = new Option<string>("--database") { Description = "With --data: the service's postgres://... database (as 'securedevice service --database')." };
        var contacts = new Option<string>("--contacts") { Description = "With --data: the service's customer contacts file, so the owner is alerted as from the console." };
        var smtp = new Option<string>("--smtp") { Description = "With --data: the service's SMTP relay HOST:PORT (e-mail alerts)." };
        var smtpFrom = new Option<string>("--smtp-from") { Description = "With --smtp: the sender address of e-mail alerts." };
        var command = new Command(name, description) { id, pki, target, actor, reason, audit, data, database, contacts, smtp, smtpFrom };
        var rate = new Option<string>("--rate") { Description = "Messages and connection attempts per hour, 1..3600 (default 6)." };
        var duration = new Option<string>("--for") { Description = "How long, e.g. 30m or 2h, at most 24h (default 1h)." };
        var pid = new Option<string>("--broker-pid") { Description = "The mosquitto process to reload (SIGHUP) so that it reads the new CRL.", Required = true };
        if (kind == ActionKind.Throttle)
        {
            command.Options.Add(rate);
            command.Options.Add(duration);
        }
        else if (kind == ActionKind.Revoke)
        {
            command.Options.Add(pid);
        }

        command.SetAction(result =>
        {
            var layout = new PkiLayout(result.GetValue(pki)!);
            layout.RequireExisting();
            var (host, port) = CliParsing.HostPort(result.GetValue(target)!, "--broker");
            ThrottleSpec spec = kind != ActionKind.Throttle ? ThrottleSpec.Default : new ThrottleSpec(
                result.GetValue(rate) is string r ? CliParsing.Between(r, "--rate", 1, ThrottleCommands.LiftRatePerHour) : ThrottleSpec.Default.RatePerHour,
                result.GetValue(duration) is string d ? CliParsing.Duration(d, "--for") : ThrottleSpec.Default.Duration);
            IBrokerReload reload = kind == ActionKind.Revoke
                ? new SignalBrokerReload(CliParsing.Between(result.GetValue(pid)!, "--broker-pid", 2, int.MaxValue))
                : new RefusedReload();
            string device = result.GetValue(id)!;
            string who = result.GetValue(actor)!;
            string why = result.GetValue(reason)!;
            string? folder = result.GetValue(data);
            if ((folder == null) == (result.GetValue(audit) == null))
            {
                throw new ToolException("give --data DIR (the fleet service's folder: its database records the action) or --audit FILE (a PKI without a service), one of them");
            }

            if (folder == null && (result.GetValue(database) ?? result.GetValue(contacts) ?? result.GetValue(smtp)) != null)
            {
                throw new ToolException("--database, --contacts and --smtp go with --data");
            }

            (bool done, string detail) = folder != null
                ? ThroughService(console, new OperatorResponseOptions
                {
                    PkiFolder = layout.Folder, DataFolder = folder, DatabaseUrl = result.GetValue(database), BrokerHost = host, BrokerPort = port, Reload = reload,
                    Integration = new IntegrationOptions { ContactsFile = result.GetValue(contacts), Smtp = ServiceCommand.Relay(result.GetValue(smtp), result.GetValue(smtpFrom)) },
                }, device, ServiceKind(kind), who, why, kind == ActionKind.Throttle ? spec : null, name)
                : Standalone(console, layout, host, port, reload, result.GetValue(audit)!, kind, device, who, why, "cli@" + Environment.MachineName, spec, name);
            string line = name + " " + device + ": " + detail;
            if (done)
            {
                console.Line(line);
                return ExitCodes.Ok;
            }

            console.ErrorLine("securedevice: " + line);
            return ExitCodes.Failed;
        });
        return command;
    }

    /// <summary>
    /// The fleet service's own path (<see cref="OperatorResponse"/>): the same dispatcher, ladder and mechanisms as the
    /// console's action form, over the service's database. Bad input is refused before anything is recorded (exit 2).
    /// </summary>
    private static (bool Done, string Summary) ThroughService(ToolConsole console, OperatorResponseOptions options, string device, DeviceActionKind kind, string who, string why,
        ThrottleSpec? spec, string name)
    {
        var time = new ConsoleTime(console.Clock);
        return Task.Run(async () =>
        {
            await using OperatorResponse response = await OperatorResponse.OpenAsync(options, time, CancellationToken.None).ConfigureAwait(false);
            OperatorOutcome outcome = await response.ExecuteAsync(device, kind, who, why, spec, CancellationToken.None).ConfigureAwait(false);
            if (outcome.Refused)
            {
                throw new ToolException(name + " " + device + ": refused: " + outcome.Detail);
            }

            return (outcome.Done, (outcome.Done ? "done: " : "failed: ") + outcome.Detail);
        }).GetAwaiter().GetResult();
    }

    /// <summary>A PKI and broker without a fleet service: <see cref="ResponseActions"/> with the hash-chained audit file only.</summary>
    private static (bool Done, string Summary) Standalone(ToolConsole console, PkiLayout layout, string host, int port, IBrokerReload reload, string auditFile, ActionKind kind,
        string device, string who, string why, string origin, ThrottleSpec spec, string name)
    {
        using var log = new FileActionAudit(auditFile);
        using var admin = DynamicSecurityAdmin.For(layout, host, port);
        using var commands = new MqttCommandPublisher(BrokerEndpoint.For(layout, host, port), BrokerIdentity.Operator(layout));
        var actions = new ResponseActions(new InventoryDeviceDirectory(layout), log, commands, admin, new PkiRevoker(layout, reload), new ConsoleTime(console.Clock));
        ActionResult done = (kind switch
        {
            ActionKind.Throttle => actions.ThrottleAsync(device, who, why, origin, spec),
            ActionKind.Quarantine => actions.QuarantineAsync(device, who, why, origin),
            ActionKind.Lift => actions.LiftAsync(device, who, why, origin),
            _ => actions.RevokeAsync(device, who, why, origin),
        }).GetAwaiter().GetResult();
        if (!done.Succeeded && done.Status is ActionStatus.InvalidRequest or ActionStatus.UnknownDevice or ActionStatus.DeviceRevoked)
        {
            throw new ToolException(name + " " + device + ": failed (" + done.Status + "): " + done.Record.Detail);
        }

        return (done.Succeeded, (done.Succeeded ? "done" : "failed (" + done.Status + ")") + ": " + done.Record.Detail);
    }

    private static DeviceActionKind ServiceKind(ActionKind kind) => kind switch
    {
        ActionKind.Throttle => DeviceActionKind.Throttle,
        ActionKind.Quarantine => DeviceActionKind.Quarantine,
        ActionKind.Lift => DeviceActionKind.Lift,
        _ => DeviceActionKind.Revoke,
    };

    /// <summary>The tool's clock (which tests can fix) as a <see cref="TimeProvider"/>.</summary>
    private sealed class ConsoleTime(Func<DateTimeOffset> clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock();
    }

    /// <summary>Only revocation reloads the broker; no other step may.</summary>
    private sealed class RefusedReload : IBrokerReload
    {
        public void Reload() => throw new InvalidOperationException("only revocation reloads the broker");
    }
}
