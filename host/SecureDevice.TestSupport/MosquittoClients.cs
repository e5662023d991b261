using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;

namespace SecureDevice.TestSupport;

/// <summary>Credentials and endpoint for mosquitto_pub/mosquitto_sub (the independent MQTT clients used as the service).</summary>
public sealed record MqttClientIdentity(string CaFile, string CertFile, string KeyFile, int Port, string Host = "localhost")
{
    public IEnumerable<string> Arguments()
    {
        yield return "--cafile";
        yield return CaFile;
        yield return "--cert";
        yield return CertFile;
        yield return "--key";
        yield return KeyFile;
        yield return "-h";
        yield return Host;
        yield return "-p";
        yield return Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>A running mosquitto_sub that collects "topic payload" lines until it exits or is stopped.</summary>
public sealed class MosquittoSubscriber : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly StringBuilder _error = new();

    /// <param name="format">mosquitto_sub -F format (e.g. "%t %x" for hex payloads); null prints "topic payload".</param>
    public MosquittoSubscriber(MqttClientIdentity identity, string topicFilter, int? count = null, int timeoutSeconds = 30, string? format = null)
    {
        var start = new ProcessStartInfo("mosquitto_sub") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in identity.Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("-t");
        start.ArgumentList.Add(topicFilter);
        if (format != null)
        {
            start.ArgumentList.Add("-F");
            start.ArgumentList.Add(format);
        }
        else
        {
            start.ArgumentList.Add("-v");
        }

        start.ArgumentList.Add("-q");
        start.ArgumentList.Add("1");
        start.ArgumentList.Add("-W");
        start.ArgumentList.Add(timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (count.HasValue)
        {
            start.ArgumentList.Add("-C");
            start.ArgumentList.Add(count.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("cannot start mosquitto_sub");
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data != null)
            {
                lock (_lines)
                {
                    _lines.Add(e.Data);
                }
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data != null)
            {
                lock (_error)
                {
                    _error.AppendLine(e.Data);
                }
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // mosquitto_sub has no "subscribed" signal; a short pause lets the SUBSCRIBE reach the broker first.
        Thread.Sleep(700);
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>Waits until a line satisfies <paramref name="match"/>; false on timeout.</summary>
    public bool WaitFor(Func<string, bool> match, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            foreach (string line in Lines)
            {
                if (match(line))
                {
                    return true;
                }
            }

            Thread.Sleep(50);
        }

        return false;
    }

    /// <summary>Waits for the process to end by itself (count reached or -W timeout) and returns its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}

/// <summary>mosquitto_pub.</summary>
public static class MosquittoPublisher
{
    public static ProcessResult Publish(MqttClientIdentity identity, string topic, string message, bool retain = false)
    {
        var arguments = new List<string>(identity.Arguments()) { "-t", topic, "-m", message, "-q", "1" };
        if (retain)
        {
            arguments.Add("-r");
        }

        return ExternalProcess.Run("mosquitto_pub", arguments.ToArray(), timeout: TimeSpan.FromSeconds(20));
    }
}
