using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// A budget of bytes held (docs/scale.md, "Memory at overload"): <see cref="AcquireAsync"/> takes bytes and waits, in
/// arrival order, while they do not fit; <see cref="Release"/> gives them back and wakes the waiters that now fit. Full
/// is a wait (back-pressure), never a loss. One message larger than the whole budget is let through when nothing else
/// is held, so the budget can never wedge; the bound is therefore <see cref="Capacity"/> plus one message.
/// </summary>
public sealed class ByteBudget
{
    private readonly object _gate = new();
    private readonly Queue<Waiter> _waiters = new();
    private long _held;

    public ByteBudget(long capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>Bytes at most (one larger request passes alone).</summary>
    public long Capacity { get; }

    /// <summary>Bytes held now.</summary>
    public long Held
    {
        get
        {
            lock (_gate)
            {
                return _held;
            }
        }
    }

    /// <summary>Takes <paramref name="bytes"/>, waiting (first come, first served) until they fit.</summary>
    public ValueTask AcquireAsync(long bytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 0);
        Waiter waiter;
        lock (_gate)
        {
            if (_waiters.Count == 0 && Fits(bytes))
            {
                _held += bytes;
                return ValueTask.CompletedTask;
            }

            cancellationToken.ThrowIfCancellationRequested();
            waiter = new Waiter(bytes);
            _waiters.Enqueue(waiter);
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(() => Cancel(waiter, cancellationToken));
        }

        return new ValueTask(waiter.Granted.Task);
    }

    /// <summary>Gives back <paramref name="bytes"/> taken earlier and lets in the waiters that now fit, in order.</summary>
    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 0);
        var granted = new List<Waiter>();
        lock (_gate)
        {
            if (bytes > _held)
            {
                throw new InvalidOperationException("released " + bytes + " bytes while " + _held + " are held");
            }

            _held -= bytes;
            GrantLocked(granted);
        }

        Complete(granted);
    }

    /// <summary>Lets in the waiters at the head that fit now (the caller holds the lock); completed outside it.</summary>
    private void GrantLocked(List<Waiter> granted)
    {
        while (_waiters.Count > 0)
        {
            Waiter next = _waiters.Peek();
            if (next.Done)
            {
                _waiters.Dequeue(); // cancelled
                continue;
            }

            if (!Fits(next.Bytes))
            {
                break;
            }

            _waiters.Dequeue();
            next.Done = true;
            _held += next.Bytes;
            granted.Add(next);
        }
    }

    private static void Complete(List<Waiter> granted)
    {
        foreach (Waiter waiter in granted)
        {
            waiter.Registration.Dispose();
            waiter.Granted.TrySetResult();
        }
    }

    private bool Fits(long bytes) => _held == 0 || _held + bytes <= Capacity;

    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        var granted = new List<Waiter>();
        lock (_gate)
        {
            if (waiter.Done)
            {
                return; // granted first: its bytes are held and its task succeeded
            }

            waiter.Done = true;
            GrantLocked(granted); // a cancelled head must not hold back the waiters behind it
        }

        waiter.Granted.TrySetCanceled(cancellationToken);
        Complete(granted);
    }

    private sealed class Waiter
    {
        public Waiter(long bytes) => Bytes = bytes;

        public long Bytes { get; }

        /// <summary>Granted or cancelled (set under the budget's lock: exactly one of the two happens).</summary>
        public bool Done { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
