using System;
using System.IO;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Tests;

/// <summary>One in-process run of the tool.</summary>
public sealed record ToolResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => "exit " + ExitCode + "\nstdout: " + Output + "\nstderr: " + Error;
}

/// <summary>Runs securedevice commands in-process with captured output and an optional fixed clock.</summary>
public static class ToolRun
{
    public static ToolResult Run(params string[] args) => RunAt(null, args);

    public static ToolResult RunAt(DateTimeOffset? now, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = ToolCli.Run(args, new ToolConsole(output, error, () => now ?? DateTimeOffset.UtcNow));
        return new ToolResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>Runs and fails the test unless the exit code is 0.</summary>
    public static ToolResult Ok(params string[] args)
    {
        ToolResult result = Run(args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("securedevice " + string.Join(" ", args) + " failed: " + result);
        }

        return result;
    }
}
