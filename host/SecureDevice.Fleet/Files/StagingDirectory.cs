using System;
using System.IO;

namespace SecureDevice.Fleet.Files;

/// <summary>
/// Builds a folder under a temporary name beside its destination and moves it into place only when complete, so a failed
/// operation leaves either nothing or the whole folder. Disposing without <see cref="Commit"/> deletes the staging folder.
/// </summary>
public sealed class StagingDirectory : IDisposable
{
    private readonly string _destination;
    private bool _committed;

    public StagingDirectory(string destination)
    {
        _destination = System.IO.Path.GetFullPath(destination);
        AtomicFile.RefuseExisting(_destination);
        string parent = System.IO.Path.GetDirectoryName(_destination)!;
        if (SafeFileReader.KindOf(parent, followLinks: true) != FileKind.Directory)
        {
            throw new FleetException(FleetError.NotFound, "folder not found: " + parent);
        }

        Path = System.IO.Path.Combine(parent, "." + System.IO.Path.GetFileName(_destination) + "." + Guid.NewGuid().ToString("N") + AtomicFile.TemporarySuffix);
        try
        {
            Directory.CreateDirectory(Path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot create " + Path + ": " + error.Message, error);
        }
    }

    /// <summary>The staging folder to write into.</summary>
    public string Path { get; }

    /// <summary>Moves the staging folder to the destination (fails if the destination appeared meanwhile).</summary>
    public void Commit()
    {
        AtomicFile.RefuseExisting(_destination);
        try
        {
            Directory.Move(Path, _destination);
            UnixFile.SyncFolder(System.IO.Path.GetDirectoryName(_destination)!);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot move " + Path + " to " + _destination + ": " + error.Message, error);
        }

        _committed = true;
    }

    public void Dispose()
    {
        if (!_committed && Directory.Exists(Path))
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                // Left as a dot-prefixed .tmp folder: never mistaken for the destination.
            }
        }
    }
}
