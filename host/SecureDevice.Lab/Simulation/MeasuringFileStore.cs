using System.Collections;
using SecureDevice.Core.Storage;

namespace SecureDevice.Lab.Simulation;

/// <summary>Wraps a store and measures what the firmware does to the flash: mutations and the largest single write.</summary>
public sealed class MeasuringFileStore : IFileStore
{
    private readonly IFileStore _inner;

    public MeasuringFileStore(IFileStore inner) => _inner = inner;

    /// <summary>Writes, appends, truncates, renames and deletes attempted.</summary>
    public int Mutations { get; private set; }

    /// <summary>Appends attempted.</summary>
    public int Appends { get; private set; }

    /// <summary>Largest byte count handed to one write or append.</summary>
    public int LargestWrite { get; private set; }

    public StorageStatus Read(string path, long position, byte[] buffer, int offset, int count, out int read) =>
        _inner.Read(path, position, buffer, offset, count, out read);

    public StorageStatus Length(string path, out long length) => _inner.Length(path, out length);

    public StorageStatus WriteAll(string path, byte[] data, int offset, int count)
    {
        Wrote(count);
        return _inner.WriteAll(path, data, offset, count);
    }

    public StorageStatus Append(string path, byte[] data, int offset, int count)
    {
        Wrote(count);
        Appends++;
        return _inner.Append(path, data, offset, count);
    }

    public StorageStatus Truncate(string path, long length)
    {
        Mutations++;
        return _inner.Truncate(path, length);
    }

    public StorageStatus Rename(string from, string to)
    {
        Mutations++;
        return _inner.Rename(from, to);
    }

    public StorageStatus Delete(string path)
    {
        Mutations++;
        return _inner.Delete(path);
    }

    public StorageStatus CreateDirectory(string path) => _inner.CreateDirectory(path);

    public StorageStatus ListFiles(string directory, ArrayList names) => _inner.ListFiles(directory, names);

    private void Wrote(int count)
    {
        Mutations++;
        LargestWrite = count > LargestWrite ? count : LargestWrite;
    }
}
