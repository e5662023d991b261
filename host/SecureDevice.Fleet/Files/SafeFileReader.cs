using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace SecureDevice.Fleet.Files;

/// <summary>
/// The one rule by which the fleet tools read a file (docs/safe-files.md): sign, verify, inspect, provision --app,
/// serve-updates, and every key, certificate, delegation and state file.
/// <list type="number">
/// <item>Who named the file decides about links. A path the operator gave (<see cref="FileOrigin.Operator"/>) is
/// opened as the system resolves it, links included. A file a bundle or a request names below a folder
/// (<see cref="FileOrigin.Contained"/>) must be that entry itself: a symbolic link there is refused, wherever it points.</item>
/// <item>The file is opened with O_NONBLOCK, so a FIFO never makes the tool wait, and the open descriptor is examined
/// (fstat): only a regular file is read. FIFOs, sockets, character and block devices and folders are refused.</item>
/// <item>The size limit is checked on the bytes actually read: at most limit + 1 bytes are read, and one byte more than
/// the limit refuses the file. The size the file system reports is never trusted (a link's own length, a device's 0).</item>
/// <item>Whatever is used afterwards (hashed, sized, copied, parsed) is those bytes, read once.</item>
/// </list>
/// Every refusal is a one-line <see cref="FleetException"/> naming the file; none of them blocks.
/// </summary>
public static class SafeFileReader
{
    private const int Chunk = 64 * 1024;

    /// <summary>Reads <paramref name="path"/> under the rule.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">Largest size accepted, bytes.</param>
    /// <param name="what">What the file is, for messages ("signing key", "manifest.json").</param>
    /// <param name="origin">Who named the file.</param>
    /// <exception cref="FleetException">Missing, unreadable, not a regular file, a refused link, or too large.</exception>
    public static byte[] Read(string path, long maxBytes, string what, FileOrigin origin = FileOrigin.Operator)
    {
        using SafeFileHandle handle = Open(path, what, origin);
        return ReadAll(handle, path, maxBytes, what, UnixFile.TryStat(handle, out UnixFile.Status status, out _) ? status.Size : 0);
    }

    /// <summary>Reads the file <paramref name="name"/> (one path component) below <paramref name="folder"/>: never a link.</summary>
    public static byte[] ReadContained(string folder, string name, long maxBytes, string what)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name == "." || name == "..")
        {
            throw new FleetException(FleetError.InvalidArgument, what + ": '" + name + "' is not a file name");
        }

        return Read(Path.Combine(folder, name), maxBytes, what, FileOrigin.Contained);
    }

    /// <summary>
    /// Opens <paramref name="path"/> under the rule and returns the descriptor of a regular file (for streaming); the
    /// caller reads at most the limit it applies.
    /// </summary>
    public static SafeFileHandle Open(string path, string what, FileOrigin origin)
    {
        UnixFile.Status before = default;
        if (origin == FileOrigin.Contained)
        {
            if (!UnixFile.TryStat(path, followLinks: false, out before, out int statError))
            {
                throw Failure(statError, path, what);
            }

            if (before.Kind != FileKind.Regular)
            {
                throw NotRegular(before.Kind, path, what);
            }
        }

        SafeFileHandle? descriptor = UnixFile.TryOpenForReading(path, out int openError);
        if (descriptor == null)
        {
            // open(2) fails on a socket (ENXIO) and may on other special files: name the kind rather than the errno.
            if (UnixFile.TryStat(path, followLinks: true, out UnixFile.Status target, out _) && target.Kind != FileKind.Regular)
            {
                throw NotRegular(target.Kind, path, what);
            }

            throw Failure(openError, path, what);
        }

        SafeFileHandle handle = descriptor;
        try
        {
            if (!UnixFile.TryStat(handle, out UnixFile.Status opened, out int fstatError))
            {
                throw Failure(fstatError, path, what);
            }

            if (opened.Kind != FileKind.Regular)
            {
                throw NotRegular(opened.Kind, path, what);
            }

            if (origin == FileOrigin.Contained && (opened.Device != before.Device || opened.Inode != before.Inode))
            {
                throw new FleetException(FleetError.UnsafeFile, what + " " + path + " was replaced while it was being opened");
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The kind of entry at <paramref name="path"/> without following a final link (Missing when absent).</summary>
    /// <exception cref="FleetException">The entry cannot be examined (for example a folder on the way is not searchable).</exception>
    public static FileKind KindOf(string path, bool followLinks = false)
    {
        if (UnixFile.TryStat(path, followLinks, out UnixFile.Status status, out int errno))
        {
            return status.Kind;
        }

        if (errno == UnixFile.NoEntry || errno == UnixFile.NotDirectory)
        {
            return FileKind.Missing;
        }

        throw Failure(errno, path, "file");
    }

    /// <summary>
    /// Checks that <paramref name="folder"/> is a folder this process can list; a missing, non-folder or unreadable path
    /// is a one-line failure that says which ("cannot read", never "file missing").
    /// </summary>
    public static void RequireReadableFolder(string folder, string what)
    {
        if (!UnixFile.TryStat(folder, followLinks: true, out UnixFile.Status status, out int errno))
        {
            throw errno == UnixFile.NoEntry || errno == UnixFile.NotDirectory
                ? new FleetException(FleetError.NotFound, what + " not found: " + folder)
                : new FleetException(FleetError.Io, "cannot read " + what + " " + folder + ": " + UnixFile.Describe(errno));
        }

        if (status.Kind != FileKind.Directory)
        {
            throw new FleetException(FleetError.InvalidArgument, what + " " + folder + " is not a folder");
        }

        try
        {
            using var entries = Directory.EnumerateFileSystemEntries(folder).GetEnumerator();
            entries.MoveNext();
        }
        catch (Exception error) when (error is UnauthorizedAccessException or IOException)
        {
            throw new FleetException(FleetError.Io, "cannot read " + what + " " + folder + ": permission denied");
        }
    }

    private static byte[] ReadAll(SafeFileHandle handle, string path, long maxBytes, string what, long sizeHint)
    {
        // The reported size only sizes the buffer (never more than the limit + 1); the limit is checked on what is read.
        var content = new MemoryStream((int)Math.Clamp(sizeHint + 1, 0, Math.Min(maxBytes + 1, int.MaxValue)));
        byte[] buffer = new byte[(int)Math.Min(Chunk, maxBytes + 1)];
        long offset = 0;
        try
        {
            while (true)
            {
                int want = (int)Math.Min(buffer.Length, maxBytes + 1 - offset);
                if (want <= 0)
                {
                    throw new FleetException(FleetError.UnsafeFile, what + " " + path + " is larger than " + maxBytes + " bytes");
                }

                int read = RandomAccess.Read(handle, buffer.AsSpan(0, want), offset);
                if (read == 0)
                {
                    return content.ToArray();
                }

                content.Write(buffer, 0, read);
                offset += read;
            }
        }
        catch (IOException error)
        {
            throw new FleetException(FleetError.Io, "cannot read " + what + " " + path + ": " + error.Message, error);
        }
    }

    private static FleetException NotRegular(FileKind kind, string path, string what)
    {
        string description = kind switch
        {
            FileKind.SymbolicLink => "a symbolic link (files inside a bundle or a served folder must be the files themselves)",
            FileKind.Fifo => "a FIFO, not a regular file",
            FileKind.Socket => "a socket, not a regular file",
            FileKind.CharacterDevice => "a character device, not a regular file",
            FileKind.BlockDevice => "a block device, not a regular file",
            FileKind.Directory => "a folder, not a file",
            _ => "not a regular file",
        };
        return new FleetException(FleetError.UnsafeFile, what + " " + path + " is " + description);
    }

    private static FleetException Failure(int errno, string path, string what) => errno switch
    {
        UnixFile.NoEntry or UnixFile.NotDirectory => new FleetException(FleetError.NotFound, what + " not found: " + path),
        UnixFile.TooManyLinks => new FleetException(FleetError.UnsafeFile, what + " " + path + ": too many levels of symbolic links"),
        _ => new FleetException(FleetError.Io, "cannot read " + what + " " + path + ": " + UnixFile.Describe(errno)),
    };
}
