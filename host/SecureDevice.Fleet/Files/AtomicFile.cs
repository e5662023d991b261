using System;
using System.IO;

namespace SecureDevice.Fleet.Files;

/// <summary>
/// File writing that never leaves a half-written file. Content goes to a temporary file in the destination's folder
/// (created exclusively, with its final permissions from the start), is flushed to disk (fsync), and is then renamed
/// into place; the folder is flushed too, so the rename survives a power cut. <see cref="WriteNew"/> never overwrites;
/// <see cref="Replace"/> swaps a file atomically (readers see the old or the new content, never a mix).
/// </summary>
public static class AtomicFile
{
    /// <summary>Permissions for private keys and files holding secrets: owner read/write only (0600).</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Permissions for public material (0644).</summary>
    public const UnixFileMode PublicMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>Permissions for a folder of private keys (0700).</summary>
    public const UnixFileMode PrivateFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Suffix of temporary files; a crash can leave one behind, never in place of a real file.</summary>
    public const string TemporarySuffix = ".tmp";

    /// <summary>Fails with a clear message when <paramref name="path"/> exists (as anything, a dangling link included).</summary>
    public static void RefuseExisting(string path)
    {
        if (SafeFileReader.KindOf(path) != FileKind.Missing)
        {
            throw new FleetException(FleetError.AlreadyExists, "refusing to overwrite existing " + path);
        }
    }

    /// <summary>Creates <paramref name="folder"/> (and missing parents) when it does not exist; new folders get <paramref name="mode"/>.</summary>
    public static void EnsureFolder(string folder, UnixFileMode mode)
    {
        FileKind kind = SafeFileReader.KindOf(folder, followLinks: true);
        if (kind == FileKind.Directory)
        {
            return;
        }

        if (kind != FileKind.Missing)
        {
            throw new FleetException(FleetError.InvalidArgument, folder + " exists and is not a folder");
        }

        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(folder);
            }
            else
            {
                Directory.CreateDirectory(folder, mode);
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot create folder " + folder + ": " + error.Message, error);
        }
    }

    /// <summary>Writes <paramref name="content"/> to the new file <paramref name="path"/> with <paramref name="mode"/>.</summary>
    /// <exception cref="FleetException">The file exists, its folder does not, or the folder is not writable.</exception>
    public static void WriteNew(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        RefuseExisting(full);
        string temporary = WriteTemporary(full, content, mode);
        try
        {
            // File.Move without overwrite is rename-if-absent: a file that appeared meanwhile is never replaced.
            File.Move(temporary, full, overwrite: false);
            UnixFile.SyncFolder(Path.GetDirectoryName(full)!);
        }
        catch (IOException error) when (SafeFileReader.KindOf(full) != FileKind.Missing)
        {
            throw new FleetException(FleetError.AlreadyExists, "refusing to overwrite existing " + full + " (" + error.Message + ")", error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot write " + full + ": " + error.Message, error);
        }
        finally
        {
            DeleteQuietly(temporary);
        }
    }

    /// <summary>Replaces <paramref name="path"/> (which may not exist yet) with <paramref name="content"/> atomically.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        string temporary = WriteTemporary(full, content, mode);
        try
        {
            Commit(temporary, full);
        }
        finally
        {
            DeleteQuietly(temporary);
        }
    }

    /// <summary>
    /// First half of a replacement: the content, flushed, under a temporary name beside <paramref name="path"/>.
    /// <see cref="Commit"/> renames it into place; callers that replace several files use both halves to choose the order.
    /// </summary>
    public static string WriteTemporary(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        if (SafeFileReader.KindOf(directory, followLinks: true) != FileKind.Directory)
        {
            throw new FleetException(FleetError.NotFound, "folder not found: " + directory);
        }

        string temporary = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N") + TemporarySuffix);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using var stream = new FileStream(temporary, options);
            stream.Write(content);
            stream.Flush(flushToDisk: true);
            return temporary;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            DeleteQuietly(temporary);
            throw new FleetException(FleetError.Io, "cannot write " + full + ": " + error.Message, error);
        }
    }

    /// <summary>Second half: renames <paramref name="temporary"/> over <paramref name="path"/> and flushes the folder.</summary>
    public static void Commit(string temporary, string path)
    {
        try
        {
            File.Move(temporary, path, overwrite: true);
            UnixFile.SyncFolder(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FleetException(FleetError.Io, "cannot replace " + path + ": " + error.Message, error);
        }
    }

    /// <summary>Deletes a file if it is there; used for temporary files, whose loss is harmless.</summary>
    public static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary file is swept by the next run under the PKI lock.
        }
    }
}
