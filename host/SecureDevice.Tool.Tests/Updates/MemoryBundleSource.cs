using System;
using System.Collections.Generic;
using SecureDevice.Core.Update;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>An in-memory <see cref="IBundleSource"/> with ranges, for tests that need no network: every URL is the same file.</summary>
public sealed class MemoryBundleSource : IBundleSource
{
    private readonly byte[] _file;
    private long _position = -1;

    public MemoryBundleSource(byte[] file) => _file = file;

    /// <summary>Offsets Open was called with.</summary>
    public List<long> Opens { get; } = new();

    public DownloadStatus Open(string url, long offset, out long remaining)
    {
        Opens.Add(offset);
        if (offset >= _file.Length && offset > 0)
        {
            remaining = -1;
            return DownloadStatus.RangeNotSatisfiable;
        }

        _position = offset;
        remaining = _file.Length - offset;
        return DownloadStatus.Ok;
    }

    public DownloadStatus Read(byte[] buffer, int offset, int count, out int read)
    {
        if (_position < 0)
        {
            throw new InvalidOperationException("not open");
        }

        read = (int)Math.Min(count, _file.Length - _position);
        Array.Copy(_file, _position, buffer, offset, read);
        _position += read;
        return DownloadStatus.Ok;
    }

    public void Close() => _position = -1;
}
