using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>
/// The TCP sockets this process listens on, read from Linux's /proc (net/tcp, net/tcp6 and the process's own file
/// descriptors). A port number alone says nothing about whose listener it is: another process may bind it the moment
/// it is freed.
/// </summary>
internal static class ListeningSockets
{
    private const string Listen = "0A"; // TCP_LISTEN in /proc/net/tcp's "st" column

    /// <summary>How many sockets owned by this process listen on <paramref name="port"/>.</summary>
    public static int OwnedOnPort(int port)
    {
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue; // the descriptor closed while we listed them
            }
            if (target != null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                owned.Add(target.Substring(8, target.Length - 9));
            }
        }
        int count = 0;
        foreach (string table in new[] { "/proc/self/net/tcp", "/proc/self/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }
            foreach (string line in File.ReadLines(table))
            {
                string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                if (columns.Length < 10 || columns[3] != Listen)
                {
                    continue;
                }
                int colon = columns[1].LastIndexOf(':');
                if (colon < 0 || !int.TryParse(columns[1].AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int local))
                {
                    continue;
                }
                if (local == port && owned.Contains(columns[9]))
                {
                    count++;
                }
            }
        }
        return count;
    }
}
