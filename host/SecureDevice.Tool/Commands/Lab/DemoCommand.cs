using System;
using System.CommandLine;
using System.IO;
using SecureDevice.Fleet.Broker;
using SecureDevice.Tool.Cli;
using SecureDevice.Lab.Demo;

namespace SecureDevice.Tool.Commands.Lab;

/// <summary><c>securedevice demo</c>: the whole device lifecycle on one machine, every promise checked.</summary>
public static class DemoCommand
{
    public static Command Create(ToolConsole console)
    {
        var devices = new Option<string>("--devices") { Description = "Virtual devices, 2..20 (default 3)." };
        var keep = new Option<string>("--keep") { Description = "Keep the PKI, broker config, bundles and device files in this folder (must not exist or be empty); after the checks, keep the broker, the devices and the fleet service with its web console running until Ctrl-C." };
        var refusal = new Option<string>("--refusal-plugin") { Description = "The broker's refusal counter plugin, built by scripts/demo.sh (make -C host/broker/refusal-counter); default: " + BrokerConfig.RefusalCounterDefault + " when present. Required: step 8 checks what it counted." };
        var command = new Command("demo", "Provision virtual devices, connect them over mutual TLS, update them over the air, refuse bad bundles, revert a bad update, glitch one, revoke one, let the fleet service flag a coin miner and throttle then quarantine a garbage sender; check every step.")
        {
            devices, keep, refusal,
        };
        command.SetAction(result =>
        {
            int count = result.GetValue(devices) is string d ? (int)CliParsing.Count(d, "--devices", 20) : 3;
            if (count < 2)
            {
                throw new ToolException("--devices must be 2..20 (one device glitches, another is revoked)");
            }

            string plugin = RefusalCounter(result.GetValue(refusal));
            bool interactive = ReferenceEquals(console, ToolConsole.System) && !Console.IsOutputRedirected;
            var view = new DemoView(console.Out, interactive);
            using var scenario = new DemoScenario(view, count, result.GetValue(keep), plugin);
            int exit;
            try
            {
                exit = scenario.Run();
            }
            catch (InvalidOperationException error)
            {
                // A step could not even run (the broker refused the service, a process did not start): the demo failed.
                view.Line("FAILED: " + error.Message);
                return ExitCodes.Failed;
            }

            // Kept and every check held: the fleet stays up with its console until Ctrl-C (a failed demo just exits 1).
            return exit == 0 && result.GetValue(keep) != null ? DemoConsole.Serve(console, scenario.Workspace) : exit;
        });
        return command;
    }

    // The demo's broker must load the refusal counter: step 8 checks that the broker counted the miner's refused
    // publishes. Without it the demo stops before anything starts with one line saying how to build it, rather than
    // run without that check or build C code behind the operator's back (scripts/demo.sh builds it and passes it).
    private static string RefusalCounter(string? named)
    {
        if (named != null)
        {
            return File.Exists(named) ? Path.GetFullPath(named) : throw new ToolException("--refusal-plugin: no such file: " + named + " (build it with 'make -C host/broker/refusal-counter')");
        }

        return File.Exists(BrokerConfig.RefusalCounterDefault)
            ? BrokerConfig.RefusalCounterDefault
            : throw new ToolException("the demo's broker needs the refusal counter plugin: run 'bash scripts/demo.sh' (it builds it), or 'make -C host/broker/refusal-counter' and pass --refusal-plugin host/broker/refusal-counter/build/" + BrokerConfig.RefusalCounterFileName);
    }
}
