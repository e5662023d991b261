using System;
using System.CommandLine;
using System.IO;
using SecureDevice.Tool.Commands;

namespace SecureDevice.Tool.Cli;

/// <summary>
/// Builds the command tree and runs it. Contract for every command: exit 0 on success; 1 when a verification ran and
/// failed; 2 for usage errors, bad input and refused overwrites. Failures are one line on standard error, never a stack trace.
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
            console.Error.WriteLine("securedevice: error: " + parse.Errors[0].Message + " (see 'securedevice --help')");
            return ToolException.UsageError;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = console.Out, Error = console.Error });
        }
        catch (ToolException error)
        {
            console.Error.WriteLine("securedevice: " + error.Message);
            return error.ExitCode;
        }
        catch (IOException error)
        {
            console.Error.WriteLine("securedevice: " + error.Message);
            return ToolException.UsageError;
        }
        catch (UnauthorizedAccessException error)
        {
            console.Error.WriteLine("securedevice: " + error.Message);
            return ToolException.UsageError;
        }
    }

    private static RootCommand Build(ToolConsole console)
    {
        var root = new RootCommand("SecureDevice fleet tool: signed updates, PKI and provisioning, virtual devices.");
        root.Subcommands.Add(KeysCommands.Create(console));
        root.Subcommands.Add(SignCommand.Create(console));
        root.Subcommands.Add(VerifyCommand.Create(console));
        root.Subcommands.Add(InspectCommand.Create(console));
        root.Subcommands.Add(SimCommands.Create(console));
        root.Subcommands.Add(PkiCommands.CreatePki(console));
        root.Subcommands.Add(PkiCommands.CreateProvision(console));
        root.Subcommands.Add(PkiCommands.CreateRevoke(console));
        root.Subcommands.Add(PkiCommands.CreateBroker(console));
        root.Subcommands.Add(SimulateCommand.Create(console));
        root.Subcommands.Add(HealthCommands.Create(console));
        root.Subcommands.Add(DemoCommand.Create(console));
        root.Subcommands.Add(ServeUpdatesCommand.Create(console));
        return root;
    }
}
