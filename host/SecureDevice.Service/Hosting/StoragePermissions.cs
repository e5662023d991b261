using System;
using System.Collections.Generic;
using System.IO;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Service.Hosting;

/// <summary>
/// Exposed storage (issue 14, control 10): the data folder, the PKI folder, the private keys in it and the SQLite
/// files hold the fleet's secrets and history, so none of them may be readable or writable by group or others. The
/// service refuses to start on any finding (one line, exit 2) unless the operator passes
/// <c>--allow-insecure-permissions</c>, which starts it with a warning per finding. Windows has no mode bits: nothing
/// to check there.
/// </summary>
public static class StoragePermissions
{
    /// <summary>Group/other read or write on a folder (traverse alone is tolerated: names are not listed).</summary>
    private const UnixFileMode FolderExposed = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Any group/other bit on a secret file.</summary>
    private const UnixFileMode FileExposed = FolderExposed | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>
    /// Every exposure found: the two folders, the PKI's private keys (<c>*.key.pem</c>) and device network files
    /// (<c>*.network.json</c>, key and Wi-Fi password), and the database files (<c>fleet.db*</c>). Links are judged by
    /// their target. Each entry is one line naming the path, its mode and the fix.
    /// </summary>
    public static List<string> Problems(string dataFolder, string pkiFolder)
    {
        var problems = new List<string>();
        if (OperatingSystem.IsWindows())
        {
            return problems;
        }

        CheckFolder(dataFolder, "data folder", problems);
        CheckFolder(pkiFolder, "PKI folder", problems);
        CheckFiles(pkiFolder, "*.key.pem", problems);
        CheckFiles(pkiFolder, "*.network.json", problems);
        CheckFiles(dataFolder, "fleet.db*", problems);
        return problems;
    }

    /// <summary>Nothing found: true. Otherwise, refused: false with the first problem (and how many more) as one line.</summary>
    public static bool TryAccept(string dataFolder, string pkiFolder, bool allowInsecure, Action<string> warn, out string refusal)
    {
        List<string> problems = Problems(dataFolder, pkiFolder);
        refusal = string.Empty;
        if (problems.Count == 0)
        {
            return true;
        }

        if (allowInsecure)
        {
            foreach (string problem in problems)
            {
                warn("WARNING: insecure permissions (--allow-insecure-permissions): " + problem);
            }

            return true;
        }

        refusal = problems[0] + (problems.Count > 1 ? " (and " + (problems.Count - 1) + " more)" : string.Empty)
            + "; refusing to start (--allow-insecure-permissions overrides)";
        return false;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void CheckFolder(string folder, string what, List<string> problems)
    {
        if (SafeFileReader.KindOf(folder, followLinks: true) == FileKind.Directory)
        {
            UnixFileMode mode = File.GetUnixFileMode(folder);
            if ((mode & FolderExposed) != 0)
            {
                problems.Add(what + " " + folder + " is open to group/others (mode " + Octal(mode) + "): chmod 700 it");
            }
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void CheckFiles(string folder, string pattern, List<string> problems)
    {
        if (SafeFileReader.KindOf(folder, followLinks: true) != FileKind.Directory)
        {
            return;
        }

        string[] files = Directory.GetFiles(folder, pattern, SearchOption.TopDirectoryOnly);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string file in files)
        {
            if (SafeFileReader.KindOf(file, followLinks: true) == FileKind.Regular)
            {
                UnixFileMode mode = File.GetUnixFileMode(file);
                if ((mode & FileExposed) != 0)
                {
                    problems.Add(file + " is open to group/others (mode " + Octal(mode) + "): chmod 600 it");
                }
            }
        }
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
