using System;
using System.IO;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Updates;

/// <summary>
/// Decides which request paths the <see cref="UpdateServer"/> may even look up, before the static file middleware does.
/// Kestrel already removes <c>.</c> and <c>..</c> segments (also when percent-encoded) and the file provider refuses paths
/// outside its root and dot-prefixed file names; this adds what they leave open: dot-prefixed folders (<c>/.git/config</c>),
/// backslashes and empty segments, symbolic links, whose targets could be anywhere on the machine, and anything that is
/// not a folder or a regular file (a FIFO would hang the request, a device would never end it).
/// </summary>
public static class UpdatePathGuard
{
    /// <summary>True when <paramref name="requestPath"/> (decoded, starting with '/') names a plain file path below <paramref name="root"/>.</summary>
    /// <param name="root">Full path of the served folder.</param>
    /// <param name="requestPath">The decoded request path.</param>
    public static bool IsAllowed(string root, string requestPath)
    {
        if (requestPath.Length < 2 || requestPath[0] != '/')
        {
            return false;
        }

        string current = root;
        foreach (string segment in requestPath.Substring(1).Split('/'))
        {
            if (segment.Length == 0 || segment[0] == '.' || segment.IndexOfAny(Forbidden) >= 0)
            {
                return false;
            }

            current = Path.Combine(current, segment);

            // A missing component is fine (the file middleware answers 404); an existing one must be a folder or, last, a
            // regular file: never a link, a FIFO, a socket or a device (docs/safe-files.md).
            FileKind kind;
            try
            {
                kind = SafeFileReader.KindOf(current);
            }
            catch (FleetException)
            {
                return false;
            }

            if (kind == FileKind.Missing)
            {
                return true;
            }

            if (kind != FileKind.Directory && kind != FileKind.Regular)
            {
                return false;
            }
        }

        return true;
    }

    private static readonly char[] Forbidden = { '\\', '\0', ':' };
}
