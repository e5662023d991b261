using System;
using System.Collections.Generic;
using System.Threading;

namespace NanoTestFramework.Runner;

/// <summary>Peak live memory of one test case.</summary>
/// <param name="CaseId">The case.</param>
/// <param name="PeakLiveBytes">Most bytes reachable at once while it ran, above what was reachable just before it started.</param>
/// <param name="Samples">Full collections taken while it ran (at least one, at its end).</param>
public sealed record LiveMemory(string CaseId, long PeakLiveBytes, int Samples);

/// <summary>
/// Measures what each test case keeps alive at its peak: the figure that decides whether it fits an ESP32's managed
/// heap, where garbage is collected but live data is not. While a case runs, a second thread forces full blocking
/// compacting collections back to back and takes the bytes that survived each one from that collection's own record
/// (<see cref="GC.GetGCMemoryInfo(GCKind)"/>: heap size minus fragmentation after it); the peak over those samples, minus
/// the bytes live just before the case, is its live data. The record is read rather than <see cref="GC.GetTotalMemory"/>
/// because the latter also counts every object the running case allocated after the collection ended: garbage, which
/// made a case that allocates fast (the power-loss sweeps) look megabytes "live" depending on when the sampling thread was
/// scheduled. Use in a process of its own with nothing else running (the runner's `memory` command): other threads'
/// objects would count too. A peak shorter than one collection (well under a millisecond on these heaps) can be missed;
/// what a test holds for longer (payloads, flash images, buffers) is seen. The runner's `calibrate` command checks both
/// (<see cref="ProbeCalibration"/>). On .NET references are 8 bytes and object headers 16, against 4 and 12 on the
/// device, so the figure is an upper bound of the device's for the same objects.
/// </summary>
public sealed class LiveMemoryProbe : ICaseObserver
{
    /// <summary>The case id under which the runner reports the one-time allocations of its unmeasured first pass.</summary>
    public const string OneTimeId = "(one-time allocations of a first pass over every case)";

    private readonly List<LiveMemory> _results = new();
    private Thread? _sampler;
    private volatile bool _running;
    private long _baseline;
    private long _peak;
    private int _samples;

    /// <summary>Every case measured so far, in order.</summary>
    public IReadOnlyList<LiveMemory> Results => _results;

    /// <inheritdoc/>
    public void Starting(string caseId)
    {
        _baseline = LiveBytes();
        _peak = 0;
        _samples = 0;
        _running = true;
        _sampler = new Thread(Sample) { IsBackground = true, Name = "live-memory" };
        _sampler.Start();
    }

    /// <inheritdoc/>
    public void Finished(string caseId)
    {
        _running = false;
        _sampler!.Join();
        Record(LiveBytes());
        _results.Add(new LiveMemory(caseId, _peak, _samples));
    }

    /// <summary>Bytes that survive a full blocking compacting collection, taken from that collection's own record.</summary>
    public static long LiveBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GCMemoryInfo collection = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return collection.HeapSizeBytes - collection.FragmentedBytes;
    }

    /// <summary>
    /// <see cref="LiveBytes"/> once the finalizer thread has run: for the one-time line. An object with a finalizer
    /// survives the collection that finds it dead until the finalizer thread has run it, so a single reading counted
    /// whatever that thread had not reached yet: 60,616 or 66,760 bytes for the same first pass, depending on timing
    /// (2 of 5 runs inside the full test run at load 12). Collect, wait for the finalizers, then read: 35,904 or 42,048
    /// bytes since (alone, Dec 2). That remaining jitter of exactly 6,144 bytes is not explained.
    /// </summary>
    public static long SettledLiveBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return LiveBytes();
    }

    private void Sample()
    {
        while (_running)
        {
            Record(LiveBytes());
        }
    }

    private void Record(long live)
    {
        long above = live - _baseline;
        lock (_results)
        {
            _samples++;
            if (above > _peak)
            {
                _peak = above;
            }
        }
    }
}
