using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Lab.Ingest;

/// <summary>
/// The ingest benchmark's load: health reports made by the device's encoder, every one encoded as its device's QoS 1
/// PUBLISH frame before the clock starts (<see cref="Prepare"/>, <see cref="DeviceFrames"/>), then written on the
/// devices' own mutual-TLS connections (<see cref="RawDeviceConnection"/>) with up to <see cref="Window"/> unacknowledged
/// per connection, on a fixed schedule (open loop: report k is due <c>k / rate</c> seconds after the start, whatever the
/// service does) or as fast as the broker acknowledges (rate 0). Report k belongs to device k mod n, sequence k / n.
/// One lane (a thread) per core sweeps its devices about once a millisecond and writes each device's ready frames
/// (due and within the window) in ONE write: one slice of the device's frame array, as few TLS records as its bytes
/// allow. Each connection's read loop counts its PUBACKs in bulk. Nothing is allocated per report, and there is no
/// timer per report.
/// </summary>
public sealed class LoadGenerator
{
    private readonly IReadOnlyList<RawDeviceConnection> _connections;
    private readonly DeviceFrames[] _frames;

    private LoadGenerator(IReadOnlyList<RawDeviceConnection> connections, DeviceFrames[] frames, long count, int window)
    {
        _connections = connections;
        _frames = frames;
        Count = count;
        Window = window;
    }

    /// <summary>Unacknowledged publishes one connection may have at once.</summary>
    public int Window { get; }

    /// <summary>Reports this generator publishes.</summary>
    public long Count { get; }

    /// <summary>Encodes <paramref name="total"/> reports of boot <paramref name="boot"/> as their devices' frames (on all cores).</summary>
    public static LoadGenerator Prepare(IReadOnlyList<RawDeviceConnection> connections, int total, long boot, int window)
    {
        if (window is < 1 or > IngestBenchmarkOptions.MaxWindow)
        {
            throw new ArgumentOutOfRangeException(nameof(window));
        }

        int n = connections.Count;
        var frames = new DeviceFrames[n];
        Parallel.For(0, n, d => frames[d] = DeviceFrames.Build(DeviceFrames.HealthTopic(connections[d].Id), ReportsOf(total, n, d), j => HealthReports.Cbor(boot, j)));
        return new LoadGenerator(connections, frames, total, window);
    }

    /// <summary>
    /// Publishes every report, <paramref name="rate"/> per second from now (0: as fast as the broker acknowledges), and
    /// returns when the broker acknowledged them all. <paramref name="published"/>[k] receives report k's
    /// <see cref="Stopwatch"/> timestamp when the write that carries it started.
    /// </summary>
    /// <exception cref="InvalidOperationException">A connection failed or the broker broke MQTT (the message names the device and why).</exception>
    public async Task RunAsync(int rate, long[] published, CancellationToken cancellationToken)
    {
        var run = new PublishRun(Count);
        for (int d = 0; d < _connections.Count; d++)
        {
            _connections[d].Begin(run, _frames[d]);
        }

        int lanes = Math.Max(1, Math.Min(_connections.Count, Environment.ProcessorCount));
        long start = Stopwatch.GetTimestamp();
        var tasks = new Task[lanes];
        for (int lane = 0; lane < lanes; lane++)
        {
            int own = lane;
            tasks[own] = Task.Factory.StartNew(() => Sweep(own, lanes, rate, start, published, run, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        Task written = Task.WhenAll(tasks);
        if (await Task.WhenAny(written, run.Completion).ConfigureAwait(false) == run.Completion && run.Failed)
        {
            await run.Completion.ConfigureAwait(false);
        }

        await written.ConfigureAwait(false);
        // Every publish written; wait until the broker acknowledged each one (or a connection failed).
        await run.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reports of device <paramref name="device"/> (k = j × n + device) among <paramref name="total"/>.</summary>
    private static int ReportsOf(long total, int n, int device) => total > device ? (int)(((total - device - 1) / n) + 1) : 0;

    /// <summary>One lane: devices lane, lane + lanes, ...; returns when all their frames are written, or the run failed.</summary>
    private void Sweep(int lane, int lanes, int rate, long start, long[] published, PublishRun run, CancellationToken cancellationToken)
    {
        int n = _connections.Count;
        double ticksPerReport = rate > 0 ? Stopwatch.Frequency / (double)rate : 0;
        long millisecond = Stopwatch.Frequency / 1000;
        while (!run.Failed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long now = Stopwatch.GetTimestamp();
            long due = rate > 0 ? Math.Min(Count, (long)((now - start) / ticksPerReport) + 1) : Count;
            bool finished = true;
            for (int d = lane; d < n; d += lanes)
            {
                RawDeviceConnection connection = _connections[d];
                long count = _frames[d].Count;
                long sent = connection.Sent;
                if (sent >= count)
                {
                    continue;
                }

                finished = false;
                long to = Math.Min(Math.Min(ReportsOf(due, n, d), count), connection.Acknowledged + Window);
                if (to > sent)
                {
                    connection.TryWrite(sent, to, published, n, d, now);
                }
            }

            if (finished)
            {
                return;
            }

            // About once a millisecond (coarse enough that a sweep finds work, fine enough to add at most ~1 ms of latency);
            // longer when the next report is further off (low rates).
            long ahead = rate > 0 && due < Count ? start + (long)(due * ticksPerReport) - Stopwatch.GetTimestamp() : 0;
            Thread.Sleep(ahead > 2 * millisecond ? (int)(ahead / millisecond) : 1);
        }
    }
}
