using System;
using System.Diagnostics;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading.Tasks;

namespace SecureDevice.Lab.Ingest;

/// <summary>
/// <c>securedevice service</c> as a separate process (the executable built next to the calling assembly), so that a
/// test can kill it with SIGKILL exactly as an operator's kill -9 or the kernel's OOM killer would, and the ingest
/// benchmark measures the service's own memory and CPU, not the load generator's.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process) => _process = process;

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "securedevice");

    /// <summary>Everything the process wrote (both streams).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool Exited => _process.HasExited;

    /// <summary>The process id (for /proc/PID figures).</summary>
    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public static ServiceProcess Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("service");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var service = new ServiceProcess(Process.Start(start) ?? throw new InvalidOperationException("cannot start " + Executable));
        service._process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        return service;
    }

    /// <summary>The HTTP address the service printed once it was up.</summary>
    public async Task<Uri> AddressAsync(TimeSpan timeout)
    {
        Task done = await Task.WhenAny(_address.Task, Task.Delay(timeout), _process.WaitForExitAsync());
        return done == _address.Task ? _address.Task.Result : throw new TimeoutException("the service did not start: " + Output);
    }

    /// <summary>The HTTP address once /health/ready answers 200 (broker session up, database reachable).</summary>
    public async Task<Uri> ReadyAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        Uri address = await AddressAsync(timeout).ConfigureAwait(false);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (watch.Elapsed < timeout && !_process.HasExited)
        {
            try
            {
                using HttpResponseMessage response = await client.GetAsync(new Uri(address, "health/ready")).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return address;
                }
            }
            catch (Exception error) when (error is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        throw new TimeoutException("the service was not ready within " + timeout.TotalSeconds + " s: " + Output);
    }

    /// <summary>SIGKILL: no shutdown code runs, no DISCONNECT is sent, nothing is flushed.</summary>
    public void KillHard()
    {
        _process.Kill();
        _process.WaitForExit(10_000);
    }

    /// <summary>Waits for the process to end by itself.</summary>
    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit((int)timeout.TotalMilliseconds);

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line == null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        Match match = Regex.Match(line, @"http (http://127\.0\.0\.1:\d+/)");
        if (match.Success)
        {
            _address.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }
}
