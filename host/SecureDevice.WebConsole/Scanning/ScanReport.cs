using System.Collections.Generic;

namespace SecureDevice.WebConsole.Scanning;

/// <summary>The outcome of one scan: findings in order, how many files/blobs were read, and how many were skipped and why.</summary>
public sealed class ScanReport
{
    public List<SecretFinding> Findings { get; } = new();

    public int Scanned { get; set; }

    /// <summary>Symbolic links, FIFOs, sockets, devices: never opened.</summary>
    public int SkippedSpecial { get; set; }

    /// <summary>Larger than the cap: not read.</summary>
    public int SkippedTooLarge { get; set; }

    /// <summary>Could not be read (permissions, vanished while scanning).</summary>
    public int Unreadable { get; set; }

    public string Summary() => "scanned " + Scanned + ", skipped " + SkippedSpecial + " links/special files, " + SkippedTooLarge
        + " over the size cap, " + Unreadable + " unreadable; " + Findings.Count + " finding(s)";
}
