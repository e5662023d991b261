using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace SecureDevice.Lab.Broker;

/// <summary>
/// A mosquitto broker run from a configuration rendered by <c>securedevice broker config</c> (the demo and the tests
/// start one on 127.0.0.1). Ready when its log says "running"; the log is kept (connection counts, denials). Killed on
/// dispose. Linux: <see cref="Reload"/> sends SIGHUP.
/// </summary>
public sealed class MosquittoProcess : IDisposable, SecureDevice.Fleet.Broker.IBrokerReload
{
    private readonly StringBuilder _log = new();
    private readonly string _configPath;
    private Process? _process;

    public MosquittoProcess(string configPath)
    {
        _configPath = configPath;
    }

    /// <summary>Path of the mosquitto binary (Debian installs it in /usr/sbin).</summary>
    public static string Binary => File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto";

    public bool Running => _process is { HasExited: false };

    public int ProcessId => _process?.Id ?? 0;

    /// <summary>Everything the broker logged so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>True when a mosquitto binary is installed where this class looks for it (or on PATH).</summary>
    public static bool Installed => File.Exists(Binary) || Array.Exists(
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator), folder => folder.Length > 0 && File.Exists(Path.Combine(folder, "mosquitto")));

    /// <summary>Starts the broker and waits until it logs "running".</summary>
    public void Start(TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(_configPath);
        _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start mosquitto");
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!Log.Contains(" running", StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("mosquitto did not start: " + Log);
            }

            Thread.Sleep(20);
        }
    }

    /// <summary>SIGHUP: re-reads the ACL, the CRL and (with a CRL) the CA file.</summary>
    public void Reload()
    {
        if (_process != null && kill(_process.Id, 1) != 0)
        {
            throw new InvalidOperationException("SIGHUP failed");
        }

        int reloads = Count("Reloading config");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Count("Reloading config") <= reloads - 1 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Thread.Sleep(300);
    }

    /// <summary>Kills the broker at once (SIGKILL): connections drop without any protocol goodbye.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
    }

    /// <summary>Occurrences of <paramref name="text"/> in the log.</summary>
    public int Count(string text)
    {
        string log = Log;
        int count = 0;
        for (int at = log.IndexOf(text, StringComparison.Ordinal); at >= 0; at = log.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    public void Dispose() => Kill();

    private void Append(string? line)
    {
        if (line == null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
