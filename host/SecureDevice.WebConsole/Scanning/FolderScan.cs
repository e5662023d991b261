using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Win32.SafeHandles;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Files;

namespace SecureDevice.WebConsole.Scanning;

/// <summary>
/// Scans a folder tree: regular files only, found with lstat (a symbolic link, FIFO, socket or device is counted and
/// never opened, so nothing blocks and nothing outside the tree is read), each opened non-blocking as the entry itself
/// (<see cref="SafeFileReader.Open"/>) and read only when within the size cap. <c>.git</c> folders are left to
/// <see cref="GitScan"/> (their objects are compressed).
/// </summary>
public static class FolderScan
{
    public static ScanReport Run(string root, long maxBytes)
    {
        var report = new ScanReport();
        var pending = new Stack<string>();
        pending.Push(root);
        while (pending.Count > 0)
        {
            string folder = pending.Pop();
            List<string> entries;
            try
            {
                entries = new List<string>(Directory.EnumerateFileSystemEntries(folder));
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                report.Unreadable++;
                continue;
            }

            entries.Sort(StringComparer.Ordinal);
            for (int i = entries.Count - 1; i >= 0; i--)
            {
                string path = entries[i];
                FileKind kind;
                try
                {
                    kind = SafeFileReader.KindOf(path);
                }
                catch (FleetException)
                {
                    report.Unreadable++;
                    continue;
                }

                if (kind == FileKind.Directory)
                {
                    if (Path.GetFileName(path) != ".git")
                    {
                        pending.Push(path);
                    }
                }
                else if (kind == FileKind.Regular)
                {
                    ScanFile(root, path, maxBytes, report);
                }
                else if (kind != FileKind.Missing)
                {
                    report.SkippedSpecial++;
                }
            }
        }

        return report;
    }

    private static void ScanFile(string root, string path, long maxBytes, ScanReport report)
    {
        string location = Path.GetRelativePath(root, path);
        try
        {
            using SafeFileHandle handle = SafeFileReader.Open(path, "file", FileOrigin.Contained);
            long length = RandomAccess.GetLength(handle);
            if (length > maxBytes)
            {
                report.SkippedTooLarge++;
                return;
            }

            byte[] content = new byte[length];
            int total = 0;
            while (total < content.Length)
            {
                int read = RandomAccess.Read(handle, content.AsSpan(total), total);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }

            report.Scanned++;
            report.Findings.AddRange(SecretScanner.Scan(location, total == content.Length ? content : content[..total]));
        }
        catch (FleetException)
        {
            // Replaced by a link or special file between lstat and open, or unreadable.
            report.Unreadable++;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            report.Unreadable++;
        }
    }
}
