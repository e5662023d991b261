using System;
using System.IO;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Files;

/// <summary>
/// Builds a folder under a temporary name beside its destination and moves it into place only when complete, so a failed
/// command leaves either nothing or the whole folder. Disposing without <see cref="Commit"/> deletes the staging folder.
/// </summary>
public sealed class StagingDirectory : IDisposable
{
    private readonly string _destination;
    private bool _committed;

    public StagingDirectory(string destination)
    {
        _destination = System.IO.Path.GetFullPath(destination);
        SafeFile.RefuseExisting(_destination);
        string parent = System.IO.Path.GetDirectoryName(_destination)!;
        if (!Directory.Exists(parent))
        {
            throw new ToolException("folder does not exist: " + parent);
        }

        Path = System.IO.Path.Combine(parent, "." + System.IO.Path.GetFileName(_destination) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        Directory.CreateDirectory(Path);
    }

    /// <summary>The staging folder to write into.</summary>
    public string Path { get; }

    /// <summary>Moves the staging folder to the destination (fails if the destination appeared meanwhile).</summary>
    public void Commit()
    {
        SafeFile.RefuseExisting(_destination);
        Directory.Move(Path, _destination);
        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
