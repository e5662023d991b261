using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;

namespace SecureDevice.Lab.Ingest;

/// <summary>
/// The ingest benchmark's load: health reports made by the device's encoder, every one encoded and wrapped in its MQTT
/// message before the clock starts (<see cref="Prepare"/>), then published at QoS 1 over the devices' own connections
/// with up to <see cref="Window"/> unacknowledged publishes per connection, on a fixed schedule (open loop) or as fast
/// as the broker acknowledges (rate 0). Report k belongs to device k mod n, sequence k / n; one lane per core walks its
/// devices' reports in order, so the publishing itself adds no allocation beyond MQTTnet's packet and its
/// acknowledgement, and no timer per report (a lane sleeps only when it is more than a millisecond ahead of schedule).
/// </summary>
public sealed class LoadGenerator
{
    private readonly IReadOnlyList<DevicePublisher> _publishers;
    private readonly MqttApplicationMessage[] _messages;

    private LoadGenerator(IReadOnlyList<DevicePublisher> publishers, MqttApplicationMessage[] messages, int window)
    {
        _publishers = publishers;
        _messages = messages;
        Window = window;
    }

    /// <summary>Unacknowledged publishes one connection may have at once.</summary>
    public int Window { get; }

    /// <summary>Reports this generator publishes.</summary>
    public int Count => _messages.Length;

    /// <summary>Encodes <paramref name="total"/> reports of boot <paramref name="boot"/> (on all cores) and builds their messages.</summary>
    public static LoadGenerator Prepare(IReadOnlyList<DevicePublisher> publishers, int total, long boot, int window)
    {
        int n = publishers.Count;
        var messages = new MqttApplicationMessage[total];
        Parallel.For(0, total, k => messages[k] = publishers[k % n].HealthMessage(HealthReports.Cbor(boot, k / n)));
        return new LoadGenerator(publishers, messages, window);
    }

    /// <summary>
    /// Publishes every report, <paramref name="rate"/> per second from now (0: as fast as the broker acknowledges), and
    /// returns when the broker acknowledged them all. <paramref name="published"/>[k] receives report k's
    /// <see cref="Stopwatch"/> timestamp when its publish started.
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker refused a publish or a connection failed.</exception>
    public async Task RunAsync(int rate, long[] published, CancellationToken cancellationToken)
    {
        int n = _publishers.Count;
        int lanes = Math.Min(n, Environment.ProcessorCount);
        var windows = new SemaphoreSlim[n];
        for (int d = 0; d < n; d++)
        {
            windows[d] = new SemaphoreSlim(Window, Window);
        }

        var failure = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long start = Stopwatch.GetTimestamp();
        var tasks = new Task[lanes];
        for (int lane = 0; lane < lanes; lane++)
        {
            int own = lane;
            tasks[own] = Task.Run(() => LaneAsync(own, lanes, rate, start, windows, published, failure, cancellationToken), cancellationToken);
        }

        Task all = Task.WhenAll(tasks);
        if (await Task.WhenAny(all, failure.Task).ConfigureAwait(false) == failure.Task)
        {
            await failure.Task.ConfigureAwait(false);
        }

        await all.ConfigureAwait(false);
        // Every publish started; wait until each connection's window is whole again (every publish acknowledged).
        for (int d = 0; d < n; d++)
        {
            for (int i = 0; i < Window; i++)
            {
                Task free = windows[d].WaitAsync(cancellationToken);
                if (await Task.WhenAny(free, failure.Task).ConfigureAwait(false) == failure.Task)
                {
                    await failure.Task.ConfigureAwait(false);
                }
            }
        }

        foreach (SemaphoreSlim window in windows)
        {
            window.Dispose();
        }
    }

    private async Task LaneAsync(int lane, int lanes, int rate, long start, SemaphoreSlim[] windows, long[] published, TaskCompletionSource failure, CancellationToken cancellationToken)
    {
        int n = _publishers.Count;
        double ticksPerReport = rate > 0 ? Stopwatch.Frequency / (double)rate : 0;
        long millisecond = Stopwatch.Frequency / 1000;
        for (int round = 0; round * (long)n < _messages.Length; round++)
        {
            for (int d = lane; d < n; d += lanes)
            {
                long k = (round * (long)n) + d;
                if (k >= _messages.Length)
                {
                    break;
                }

                if (rate > 0)
                {
                    long wait = start + (long)(k * ticksPerReport) - Stopwatch.GetTimestamp();
                    if (wait > millisecond)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
                    }
                }

                if (failure.Task.IsCompleted)
                {
                    return;
                }

                if (!windows[d].Wait(0))
                {
                    await windows[d].WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                published[k] = Stopwatch.GetTimestamp();
                _ = PublishOneAsync(_publishers[d], _messages[k], windows[d], failure, cancellationToken);
            }
        }
    }

    private static async Task PublishOneAsync(DevicePublisher publisher, MqttApplicationMessage message, SemaphoreSlim window, TaskCompletionSource failure, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            failure.TrySetException(new InvalidOperationException(publisher.Id + ": publish failed: " + error.Message.Split('\n')[0], error));
        }
        finally
        {
            window.Release();
        }
    }
}
