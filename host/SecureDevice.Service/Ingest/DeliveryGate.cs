using System;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// Back-pressure at the socket (docs/service.md, "Back-pressure at the socket"): counts the PUBLISH packets MQTTnet has
/// read from one broker connection and not yet handed to ingest's delivery callback, and makes the reader wait before
/// the next packet while <see cref="Capacity"/> are outstanding. MQTTnet 5.2 keeps no such bound itself: its receive
/// loop queues every PUBLISH it reads, whatever its handler does, so without this gate only the broker's honouring of
/// Receive Maximum bounds that queue. With it, a callback that waits (the ingest byte budget full) stops the reads
/// after at most <see cref="Capacity"/> packets; TCP flow control then pushes back on the broker.
/// One gate per connection (a new connection starts at zero); thread-safe (the reader, the callback and a disconnect
/// run on different threads).
/// </summary>
public sealed class DeliveryGate
{
    private readonly object _lock = new();
    private TaskCompletionSource<bool>? _room;
    private int _outstanding;
    private bool _closed;

    public DeliveryGate(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        ResumeAt = capacity / 2;
    }

    /// <summary>PUBLISH packets read and not yet taken at most; the reader waits at this many.</summary>
    public int Capacity { get; }

    /// <summary>
    /// A waiting reader resumes once no more than this many are outstanding (half the capacity): one wake-up lets it
    /// read half a window, instead of one wake-up per packet while the callback is the bottleneck.
    /// </summary>
    public int ResumeAt { get; }

    /// <summary>Packets read and not yet taken now.</summary>
    public int Outstanding
    {
        get
        {
            lock (_lock)
            {
                return _outstanding;
            }
        }
    }

    /// <summary>
    /// Completes with true when the reader may read the next packet (fewer than <see cref="Capacity"/> outstanding),
    /// at once when there is room; with false once the gate is closed (the connection is going away). Cancellation
    /// ends the wait with an <see cref="OperationCanceledException"/>. One reader at a time.
    /// </summary>
    public ValueTask<bool> WaitForRoomAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> room;
        lock (_lock)
        {
            if (_closed)
            {
                return ValueTask.FromResult(false);
            }

            if (_outstanding < Capacity)
            {
                return ValueTask.FromResult(true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            room = _room ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return new ValueTask<bool>(cancellationToken.CanBeCanceled ? room.Task.WaitAsync(cancellationToken) : room.Task);
    }

    /// <summary>The reader got one more PUBLISH packet (before MQTTnet queues it for the callback).</summary>
    public void Read()
    {
        lock (_lock)
        {
            _outstanding++;
        }
    }

    /// <summary>
    /// The callback took one packet. Never below zero: a call the gate did not count (a packet of an earlier gate)
    /// cannot open room that was not taken.
    /// </summary>
    public void Taken()
    {
        TaskCompletionSource<bool>? wake = null;
        lock (_lock)
        {
            if (_outstanding > 0)
            {
                _outstanding--;
            }

            if (_room != null && _outstanding <= ResumeAt)
            {
                wake = _room;
                _room = null;
            }
        }

        wake?.TrySetResult(true);
    }

    /// <summary>The connection is going away: a waiting reader and every later wait get false (no more reads).</summary>
    public void Close()
    {
        TaskCompletionSource<bool>? wake;
        lock (_lock)
        {
            _closed = true;
            wake = _room;
            _room = null;
        }

        wake?.TrySetResult(false);
    }
}
