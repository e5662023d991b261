using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace SecureDevice.Tool.Tests.Hostile;

/// <summary>One run of the built securedevice executable as a separate process.</summary>
public sealed record ProcessRun(int ExitCode, string Output, string Error, bool TimedOut, TimeSpan Elapsed)
{
    /// <summary>Non-empty lines written to standard error.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The contract for bad input: exit 1 or 2, exactly one line on standard error, no stack trace, finished in time.
    /// Returns null when it holds, else what broke it.
    /// </summary>
    public string? ContractViolation()
    {
        if (TimedOut)
        {
            return "did not finish (killed after " + Elapsed.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s)";
        }

        if (ExitCode != 1 && ExitCode != 2)
        {
            return "exit " + ExitCode;
        }

        if (Error.Contains("   at ", StringComparison.Ordinal) || Error.Contains("Unhandled exception", StringComparison.Ordinal))
        {
            return "stack trace on stderr";
        }

        if (ErrorLines.Length != 1)
        {
            return ErrorLines.Length + " lines on stderr";
        }

        return null;
    }

    public override string ToString() =>
        "exit " + ExitCode + (TimedOut ? " (timed out)" : string.Empty) + " in " + Elapsed.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)
        + " s\nstdout: " + Cut(Output) + "\nstderr: " + Cut(Error);

    private static string Cut(string text) => text.Length > 2000 ? text[..2000] + "..." : text;
}

/// <summary>
/// Runs the securedevice executable built next to the tests in its own process, so that a hang, an out-of-memory abort
/// or an unhandled exception shows as what a user would see, and a stuck run is killed at the time limit.
/// </summary>
public static class ToolProcess
{
    /// <summary>The apphost copied next to the test assembly by the project reference.</summary>
    public static string Executable => Path.Combine(AppContext.BaseDirectory, "securedevice");

    public static ProcessRun Run(TimeSpan limit, IReadOnlyDictionary<string, string?>? environment, string? workingDirectory, params string[] args)
    {
        return RunAs(null, limit, environment, workingDirectory, args);
    }

    public static ProcessRun Run(params string[] args) => Run(TimeSpan.FromSeconds(20), null, null, args);

    /// <summary>Runs with a prefix command (e.g. setpriv to drop root), or directly when <paramref name="prefix"/> is null.</summary>
    public static ProcessRun RunAs(string[]? prefix, TimeSpan limit, IReadOnlyDictionary<string, string?>? environment, string? workingDirectory, params string[] args)
    {
        string program = prefix is { Length: > 0 } ? prefix[0] : Executable;
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        if (prefix is { Length: > 0 })
        {
            for (int i = 1; i < prefix.Length; i++)
            {
                start.ArgumentList.Add(prefix[i]);
            }

            start.ArgumentList.Add(Executable);
        }

        foreach (string argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        // A runaway run must not take the machine down with it: the GC heap is capped well below what a test box has.
        start.Environment["DOTNET_GCHeapHardLimit"] = "0x20000000";
        start.Environment["SECUREDEVICE_WIFI_PASSWORD"] = "test-wifi-password";
        if (environment != null)
        {
            foreach (var (name, value) in environment)
            {
                if (value == null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }
        }

        var watch = Stopwatch.StartNew();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + program);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        process.StandardInput.Close();
        bool finished = process.WaitForExit((int)limit.TotalMilliseconds);
        if (!finished)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        watch.Stop();
        string stdout = output.Wait(5000) ? output.Result : string.Empty;
        string stderr = error.Wait(5000) ? error.Result : string.Empty;
        return new ProcessRun(finished ? process.ExitCode : -1, stdout, stderr, !finished, watch.Elapsed);
    }

    /// <summary>
    /// A prefix that runs the tool as the unprivileged user "nobody" when the tests run as root (root ignores file modes,
    /// so a permission test means nothing as root); null otherwise.
    /// </summary>
    public static string[]? Unprivileged() =>
        Environment.UserName == "root" && File.Exists("/usr/bin/setpriv")
            ? new[] { "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups" }
            : null;
}
