using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SecureDevice.Fleet.Files;

/// <summary>
/// The few POSIX calls .NET does not expose: the type of a file without following a link (statx with
/// AT_SYMLINK_NOFOLLOW), the type of an open descriptor (statx with AT_EMPTY_PATH), and open(2) with O_NONBLOCK, so that
/// opening a FIFO returns at once instead of waiting for a writer. statx's structure is the same on every Linux
/// architecture, and O_RDONLY, O_NONBLOCK and O_CLOEXEC have the same values on x64, arm64, arm, s390x and ppc64le.
/// </summary>
internal static class UnixFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const uint StatxSize = 0x200;
    private const int OpenReadOnlyNonBlocking = 0x800 | 0x80000;
    private const int StatxBufferSize = 256;

    /// <summary>errno values the callers tell apart.</summary>
    internal const int NoEntry = 2;
    internal const int AccessDenied = 13;
    internal const int NotDirectory = 20;
    internal const int TooManyLinks = 40;

    /// <summary>What statx told about one entry.</summary>
    internal readonly record struct Status(FileKind Kind, ulong Device, ulong Inode, long Size);

    /// <summary>The entry at <paramref name="path"/> itself (a link is reported as a link), or false with errno.</summary>
    internal static bool TryStat(string path, bool followLinks, out Status status, out int errno)
    {
        if (!OperatingSystem.IsLinux())
        {
            return ManagedStat(path, followLinks, out status, out errno);
        }

        byte[] buffer = new byte[StatxBufferSize];
        int result = statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxType | StatxIno | StatxSize, buffer);
        return Finish(result, buffer, out status, out errno);
    }

    /// <summary>The entry an open descriptor refers to.</summary>
    internal static bool TryStat(SafeFileHandle handle, out Status status, out int errno)
    {
        if (!OperatingSystem.IsLinux())
        {
            // Elsewhere (Windows, macOS) the descriptor came from a managed open of a path already checked by name.
            errno = 0;
            status = new Status(FileKind.Regular, 0, 0, RandomAccess.GetLength(handle));
            return true;
        }

        byte[] buffer = new byte[StatxBufferSize];
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int result = statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath, StatxType | StatxIno | StatxSize, buffer);
            return Finish(result, buffer, out status, out errno);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC): never waits for a FIFO's writer; follows links.</summary>
    internal static SafeFileHandle? TryOpenForReading(string path, out int errno)
    {
        if (!OperatingSystem.IsLinux())
        {
            return ManagedOpen(path, out errno);
        }

        int fd = open(path, OpenReadOnlyNonBlocking, 0);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>fsync(2) on a folder, so that a rename inside it is on disk (a crash cannot undo it).</summary>
    internal static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = open(folder, 0x80000, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new FleetException(FleetError.Io, "cannot open folder " + folder + " to flush it: " + Describe(errno));
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        if (fsync(fd) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new FleetException(FleetError.Io, "cannot flush folder " + folder + ": " + Describe(errno));
        }
    }

    /// <summary>A short English description of an errno value, for one-line messages.</summary>
    internal static string Describe(int errno) => errno switch
    {
        NoEntry => "no such file or folder",
        AccessDenied => "permission denied",
        NotDirectory => "a part of the path is not a folder",
        TooManyLinks => "too many levels of symbolic links",
        36 => "name too long",
        _ => Marshal.GetPInvokeErrorMessage(errno),
    };

    // Outside Linux: what .NET can tell. There are no FIFOs or device nodes in a Windows folder; macOS lacks statx.
    private static bool ManagedStat(string path, bool followLinks, out Status status, out int errno)
    {
        var info = new FileInfo(path);
        errno = 0;
        if (!followLinks && info.LinkTarget != null)
        {
            status = new Status(FileKind.SymbolicLink, 0, 0, 0);
        }
        else if (Directory.Exists(path))
        {
            status = new Status(FileKind.Directory, 0, 0, 0);
        }
        else if (File.Exists(path))
        {
            status = new Status(FileKind.Regular, 0, 0, info.Length);
        }
        else
        {
            errno = NoEntry;
            status = new Status(FileKind.Missing, 0, 0, 0);
            return false;
        }

        return true;
    }

    private static SafeFileHandle? ManagedOpen(string path, out int errno)
    {
        try
        {
            errno = 0;
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            errno = NoEntry;
        }
        catch (UnauthorizedAccessException)
        {
            errno = AccessDenied;
        }
        catch (IOException)
        {
            errno = 5;
        }

        return null;
    }

    private static bool Finish(int result, byte[] buffer, out Status status, out int errno)
    {
        if (result != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            status = new Status(FileKind.Missing, 0, 0, 0);
            return false;
        }

        errno = 0;
        int mode = BitConverter.ToUInt16(buffer, 28);
        FileKind kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            _ => FileKind.Unknown,
        };
        ulong device = ((ulong)BitConverter.ToUInt32(buffer, 136) << 32) | BitConverter.ToUInt32(buffer, 140);
        status = new Status(kind, device, BitConverter.ToUInt64(buffer, 32), (long)BitConverter.ToUInt64(buffer, 40));
        return true;
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "statx")]
    private static extern int statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    [DllImport("libc", SetLastError = true, EntryPoint = "fsync")]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true, EntryPoint = "open")]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);
}
