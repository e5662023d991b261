using System;
using System.CommandLine;
using System.IO;
using SecureDevice.Fleet;
using SecureDevice.Tool.Commands;
using SecureDevice.Tool.Commands.Lab;

namespace SecureDevice.Tool.Cli;

/// <summary>
/// Builds the command tree and runs it. Contract for every command: exit 0 on success; 1 when a verification ran and
/// failed; 2 for usage errors, bad input and refused overwrites. Failures are one escaped line on standard error, never
/// a stack trace.
/// </summary>
public static class ToolCli
{
    /// <summary>Runs <paramref name="args"/> against <paramref name="console"/>.</summary>
    public static int Run(string[] args, ToolConsole console)
    {
        RootCommand root = Build(console);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            console.ErrorLine("securedevice: error: " + parse.Errors[0].Message + " (see 'securedevice --help')");
            return ExitCodes.UsageError;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = console.Out, Error = console.Error });
        }
        catch (ToolException error)
        {
            console.ErrorLine("securedevice: " + error.Message);
            return ExitCodes.UsageError;
        }
        catch (FleetException error)
        {
            console.ErrorLine("securedevice: " + error.Message);
            return ExitCodes.UsageError;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            console.ErrorLine("securedevice: " + error.Message);
            return ExitCodes.UsageError;
        }
        catch (Exception error)
        {
            // A bug: still one line, but with its own exit code so that tests and scripts never mistake it for bad input.
            console.ErrorLine("securedevice: internal error (please report): " + error.GetType().Name + ": " + error.Message);
            return ExitCodes.InternalError;
        }
    }

    private static RootCommand Build(ToolConsole console)
    {
        var root = new RootCommand("SecureDevice fleet tool: signed updates, PKI and provisioning; lab: demo, simulations, virtual devices.");

        // Operator tooling, thin over SecureDevice.Fleet.
        root.Subcommands.Add(KeysCommands.Create(console));
        root.Subcommands.Add(SignCommand.Create(console));
        root.Subcommands.Add(VerifyCommand.Create(console));
        root.Subcommands.Add(InspectCommand.Create(console));
        root.Subcommands.Add(PkiCommands.CreatePki(console));
        root.Subcommands.Add(ProvisionCommand.Create(console));
        root.Subcommands.Add(RevokeCommand.Create(console));
        root.Subcommands.Add(BrokerCommand.Create(console));
        root.Subcommands.Add(RespondCommand.Create(console));
        root.Subcommands.Add(HealthCommands.Create(console));
        root.Subcommands.Add(ServeUpdatesCommand.Create(console));
        root.Subcommands.Add(ConsoleCommand.Create(console));
        root.Subcommands.Add(ServiceCommand.Create(console));
        root.Subcommands.Add(ScanCommand.Create(console));

        // The lab, thin over SecureDevice.Lab.
        root.Subcommands.Add(DemoCommand.Create(console));
        root.Subcommands.Add(SimCommands.Create(console));
        root.Subcommands.Add(SimulateCommand.Create(console));
        root.Subcommands.Add(BenchCommands.Create(console));
        return root;
    }
}
