using System;
using System.CommandLine;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response;
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
        var audit = new Option<string>("--audit") { Description = "The audit file (JSON lines, hash-chained, created 0600).", Required = true };
        var command = new Command(name, description) { id, pki, target, actor, reason, audit };
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

            using var log = new FileActionAudit(result.GetValue(audit)!);
            using var admin = DynamicSecurityAdmin.For(layout, host, port);
            using var commands = new MqttCommandPublisher(BrokerEndpoint.For(layout, host, port), BrokerIdentity.Operator(layout));
            var actions = new ResponseActions(new InventoryDeviceDirectory(layout), log, commands, admin, new PkiRevoker(layout, reload), new ConsoleTime(console.Clock));
            string device = result.GetValue(id)!;
            string who = result.GetValue(actor)!;
            string why = result.GetValue(reason)!;
            string origin = "cli@" + Environment.MachineName;
            ActionResult done = (kind switch
            {
                ActionKind.Throttle => actions.ThrottleAsync(device, who, why, origin, spec),
                ActionKind.Quarantine => actions.QuarantineAsync(device, who, why, origin),
                ActionKind.Lift => actions.LiftAsync(device, who, why, origin),
                _ => actions.RevokeAsync(device, who, why, origin),
            }).GetAwaiter().GetResult();

            string line = name + " " + device + ": " + (done.Succeeded ? "done" : "failed (" + done.Status + ")") + ": " + done.Record.Detail;
            if (done.Succeeded)
            {
                console.Line(line);
                return ExitCodes.Ok;
            }

            if (done.Status is ActionStatus.InvalidRequest or ActionStatus.UnknownDevice or ActionStatus.DeviceRevoked)
            {
                throw new ToolException(line);
            }

            console.ErrorLine("securedevice: " + line);
            return ExitCodes.Failed;
        });
        return command;
    }

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
