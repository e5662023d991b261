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
/// collections back to back and reads the bytes that survive each one; the peak over those samples, minus the bytes live
/// just before the case, is its live data. Use in a process of its own with nothing else running (the runner's `memory`
/// command): other threads' objects would count too. A peak shorter than one collection can be missed; what a test
/// holds for longer (payloads, flash images, buffers) is seen. On .NET references are 8 bytes and object headers 16, against
/// 4 and 12 on the device, so the figure is an upper bound of the device's for the same objects.
/// </summary>
public sealed class LiveMemoryProbe : ICaseObserver
{
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

    private static long LiveBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        return GC.GetTotalMemory(false);
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
