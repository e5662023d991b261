using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>
/// The service's broker connection gets the socket buffers it asks for, read back from the kernel (iproute2's ss, not
/// our code). MQTTnet sets SO_RCVBUF to 8,192 unless told (16 KiB after Linux doubles it, and no autotuning): at 10,000
/// reports/s the pipeline's back-pressure let the kernel prune that buffer and clamp the window to ~7 KB, and the broker
/// then fed an idle service ~230 reports/s until the end of the run (docs/scale.md, fourth round).
/// </summary>
public sealed class BrokerSocketBufferTests : IDisposable
{
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Theory]
    [InlineData(1 << 20)] // the default
    [InlineData(8192)]    // MQTTnet's own: shows the probe reads what was set, not a constant
    public async Task Connected_ReceiveBufferInTheKernel_IsTwiceWhatWasAskedCappedByRmemMax(int bytes)
    {
        ServiceOptions options = _lab.Options() with { SocketBufferBytes = bytes };
        if (bytes == 1 << 20)
        {
            Assert.Equal(bytes, new ServiceOptions { PkiFolder = "p", DataFolder = "d" }.SocketBufferBytes);
        }

        await using RunningService service = await _lab.StartAsync(options);
        long rmemMax = long.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim());
        long expected = 2 * Math.Min(bytes, rmemMax);

        // Ingest's connection, by its local port: the command connection (docs/service.md) goes to the same broker port.
        int local = ((IPEndPoint)service.Service.Mqtt.LocalEndPoint!).Port;
        Assert.Equal(expected, ReceiveBufferOfTheConnection(local, _lab.Lab.Port));
    }

    /// <summary>The kernel's receive-buffer limit (skmem rb) of this process's one established connection from local port <paramref name="local"/> to the broker's port.</summary>
    private static long ReceiveBufferOfTheConnection(int local, int port)
    {
        var start = new ProcessStartInfo("ss", "-tnmpH state established sport = :" + local + " dport = :" + port)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process ss = Process.Start(start) ?? throw new InvalidOperationException("ss did not start");
        string output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        Assert.True(ss.ExitCode == 0, "ss failed: " + ss.StandardError.ReadToEnd());

        // One line per socket, then its skmem on the same or the next line: keep the sockets of this process only.
        string mine = "pid=" + Environment.ProcessId + ",";
        MatchCollection sockets = Regex.Matches(output, @"users:\(\((?<users>[^\n]*?)\)\)\s+skmem:\(r\d+,rb(?<rb>\d+),");
        long found = -1;
        int count = 0;
        foreach (Match socket in sockets)
        {
            if (socket.Groups["users"].Value.Contains(mine, StringComparison.Ordinal))
            {
                found = long.Parse(socket.Groups["rb"].Value);
                count++;
            }
        }

        Assert.True(count == 1, "expected one connection of this process from port " + local + " to port " + port + ", found " + count + ": " + output);
        return found;
    }
}
