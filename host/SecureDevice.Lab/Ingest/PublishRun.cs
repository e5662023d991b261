using System;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Lab.Ingest;

/// <summary>
/// One load generator run as its connections see it: the publishes still unacknowledged across all of them, and the
/// first failure. <see cref="Completion"/> ends when the last publish is acknowledged, or with the first failure.
/// </summary>
public sealed class PublishRun
{
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _unacknowledged;

    public PublishRun(long publishes)
    {
        _unacknowledged = publishes;
        if (publishes == 0)
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>Every publish acknowledged, or the run failed (<see cref="InvalidOperationException"/> naming the device and why).</summary>
    public Task Completion => _completion.Task;

    public bool Failed => _completion.Task.IsFaulted;

    /// <summary><paramref name="count"/> more publishes acknowledged (called by the connections' read loops).</summary>
    public void Acknowledge(int count)
    {
        if (Interlocked.Add(ref _unacknowledged, -count) == 0)
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>The run failed: the first reason wins.</summary>
    public void Fail(string why) => _completion.TrySetException(new InvalidOperationException(why));
}
