using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using SecureDevice.TestSupport;

namespace SecureDevice.Tool.Tests;

/// <summary>
/// A securedevice process that keeps running (a server): its output lines collected as they arrive, stopped by a
/// signal as a user's Ctrl-C or a service manager would stop it, killed at disposal if it is still running.
/// </summary>
public sealed class LiveTool : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = new();
    private readonly List<string> _error = new();

    private LiveTool(Process process)
    {
        _process = process;
    }

    public static LiveTool Start(params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "securedevice.dll"));
        foreach (string argument in args)
        {
            start.ArgumentList.Add(argument);
        }

        var tool = new LiveTool(Process.Start(start) ?? throw new InvalidOperationException("cannot start securedevice"));
        tool._process.OutputDataReceived += (_, line) => Add(tool._output, line.Data);
        tool._process.ErrorDataReceived += (_, line) => Add(tool._error, line.Data);
        tool._process.BeginOutputReadLine();
        tool._process.BeginErrorReadLine();
        return tool;
    }

    /// <summary>The tool's process id.</summary>
    public int Id => _process.Id;

    public string[] Output => Snapshot(_output);

    public string[] Error => Snapshot(_error);

    /// <summary>Waits until a line of standard output matches; false when the time ran out or the process ended first.</summary>
    public bool WaitFor(Func<string, bool> match, TimeSpan limit)
    {
        DateTime deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            if (Output.Any(match))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return Output.Any(match);
    }

    /// <summary>Sends <paramref name="signal"/> (e.g. "INT", "TERM"); returns the exit code, or null when it did not end in time.</summary>
    public int? Stop(string signal, TimeSpan limit)
    {
        ExternalProcess.Run("kill", new[] { "-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture) }).EnsureSuccess("kill -" + signal);
        if (!_process.WaitForExit((int)limit.TotalMilliseconds))
        {
            return null;
        }

        _process.WaitForExit(); // drains the output readers
        return _process.ExitCode;
    }

    public string Describe() => "stdout:\n" + string.Join("\n", Output) + "\nstderr:\n" + string.Join("\n", Error);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private static void Add(List<string> lines, string? line)
    {
        if (line != null)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }
    }

    private static string[] Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return lines.ToArray();
        }
    }
}
