using SecureDevice.Core.Update;

namespace SecureDevice.Lab.Simulation;

/// <summary>Wraps a download source and measures the engine's use of it: the largest read it asked for, bytes and opens.</summary>
public sealed class MeasuringBundleSource : IBundleSource
{
    private readonly IBundleSource _inner;

    public MeasuringBundleSource(IBundleSource inner) => _inner = inner;

    /// <summary>Largest count the engine passed to one Read (its buffer).</summary>
    public int LargestRead { get; private set; }

    /// <summary>Body bytes received.</summary>
    public long Bytes { get; private set; }

    /// <summary>Opens with an offset above 0 (resumed transfers).</summary>
    public int RangedOpens { get; private set; }

    public DownloadStatus Open(string url, long offset, out long remaining)
    {
        RangedOpens += offset > 0 ? 1 : 0;
        return _inner.Open(url, offset, out remaining);
    }

    public DownloadStatus Read(byte[] buffer, int offset, int count, out int read)
    {
        LargestRead = count > LargestRead ? count : LargestRead;
        DownloadStatus status = _inner.Read(buffer, offset, count, out read);
        Bytes += read;
        return status;
    }

    public void Close() => _inner.Close();
}
