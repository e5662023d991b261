using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace SecureDevice.WebConsole.Scanning;

/// <summary>
/// Scans git objects with the git command (no libgit2): every blob reachable from any ref
/// (<c>git rev-list --all --objects</c>, types and sizes from <c>git cat-file --batch-check</c>, contents from
/// <c>git cat-file --batch</c>), reported as COMMIT:PATH with the commit that introduced the blob; or the staged blobs
/// of the index (<c>git diff --cached</c>) for a pre-commit hook. Blobs over the cap are counted, never read; symbolic
/// links and submodules in the index are skipped. A repository's own config cannot run a program here: fsmonitor
/// and external diff drivers are switched off on every call.
/// </summary>
public static class GitScan
{
    /// <summary>Every blob in the history of <paramref name="repository"/>.</summary>
    /// <exception cref="ScanException">Not a git repository, or git failed.</exception>
    public static ScanReport History(string repository, long maxBytes)
    {
        string listing = Encoding.UTF8.GetString(Git(repository, null, "rev-list", "--all", "--objects"));
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (string line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && !paths.ContainsKey(line[..space]))
            {
                paths[line[..space]] = line[(space + 1)..];
                order.Add(line[..space]);
            }
        }

        var report = new ScanReport();
        List<string> blobs = SelectBlobs(repository, order, maxBytes, report);
        foreach ((string sha, byte[] content) in ReadBlobs(repository, blobs))
        {
            report.Scanned++;
            List<SecretFinding> found = SecretScanner.Scan(paths[sha], content);
            if (found.Count > 0)
            {
                string commit = IntroducingCommit(repository, sha);
                foreach (SecretFinding finding in found)
                {
                    report.Findings.Add(finding with { Location = commit + ":" + finding.Location });
                }
            }
        }

        return report;
    }

    /// <summary>The blobs staged in the index of <paramref name="repository"/> (added, copied, modified, renamed).</summary>
    public static ScanReport Staged(string repository, long maxBytes)
    {
        string[] fields = Encoding.UTF8.GetString(Git(repository, null, "diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames", "--diff-filter=ACM", "--no-ext-diff")).Split('\0');
        var report = new ScanReport();
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        for (int i = 0; i + 1 < fields.Length; i += 2)
        {
            // ":OLDMODE NEWMODE OLDSHA NEWSHA STATUS" then the path.
            string[] header = fields[i].TrimStart(':').Split(' ');
            if (header.Length < 5)
            {
                break;
            }

            if (header[1] == "120000" || header[1] == "160000")
            {
                report.SkippedSpecial++; // a symbolic link's target text, or a submodule
                continue;
            }

            if (paths.TryAdd(header[3], fields[i + 1]))
            {
                order.Add(header[3]);
            }
        }

        List<string> blobs = SelectBlobs(repository, order, maxBytes, report);
        foreach ((string sha, byte[] content) in ReadBlobs(repository, blobs))
        {
            report.Scanned++;
            foreach (SecretFinding finding in SecretScanner.Scan(paths[sha], content))
            {
                report.Findings.Add(finding with { Location = "staged:" + finding.Location });
            }
        }

        return report;
    }

    private static List<string> SelectBlobs(string repository, List<string> objects, long maxBytes, ScanReport report)
    {
        var blobs = new List<string>();
        if (objects.Count == 0)
        {
            return blobs;
        }

        string check = Encoding.UTF8.GetString(Git(repository, Encoding.ASCII.GetBytes(string.Join('\n', objects) + "\n"), "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"));
        foreach (string line in check.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ');
            if (parts.Length == 3 && parts[1] == "blob")
            {
                if (long.Parse(parts[2], CultureInfo.InvariantCulture) > maxBytes)
                {
                    report.SkippedTooLarge++;
                }
                else
                {
                    blobs.Add(parts[0]);
                }
            }
        }

        return blobs;
    }

    private static List<(string Sha, byte[] Content)> ReadBlobs(string repository, List<string> blobs)
    {
        var result = new List<(string, byte[])>();
        if (blobs.Count == 0)
        {
            return result;
        }

        byte[] output = Git(repository, Encoding.ASCII.GetBytes(string.Join('\n', blobs) + "\n"), "cat-file", "--batch");
        int position = 0;
        while (position < output.Length)
        {
            // "SHA blob SIZE\n" CONTENT "\n"
            int newline = Array.IndexOf(output, (byte)'\n', position);
            if (newline < 0)
            {
                break;
            }

            string[] header = Encoding.ASCII.GetString(output, position, newline - position).Split(' ');
            position = newline + 1;
            if (header.Length != 3 || !int.TryParse(header[2], NumberStyles.None, CultureInfo.InvariantCulture, out int size) || position + size > output.Length)
            {
                throw new ScanException("git cat-file --batch: unexpected output");
            }

            result.Add((header[0], output[position..(position + size)]));
            position += size + 1;
        }

        return result;
    }

    private static string IntroducingCommit(string repository, string blob)
    {
        string[] commits = Encoding.ASCII.GetString(Git(repository, null, "log", "--all", "--format=%H", "--no-ext-diff", "--find-object=" + blob))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return commits.Length > 0 ? commits[^1] : blob; // newest first: the last one introduced it
    }

    /// <summary>Runs git in <paramref name="repository"/> with bytes on stdin; stdout as bytes; a failure is a <see cref="ScanException"/>.</summary>
    private static byte[] Git(string repository, byte[]? input, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "-C", repository, "-c", "core.fsmonitor=false", "-c", "core.quotePath=false", "--no-replace-objects" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_OPTIONAL_LOCKS"] = "0";
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new ScanException("cannot start git");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ScanException("git is not installed (needed for --history and --staged)");
        }

        using (process)
        {
            Task writer = Task.Run(() =>
            {
                try
                {
                    if (input != null)
                    {
                        process.StandardInput.BaseStream.Write(input);
                    }

                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // git ended early; its exit code says why
                }
            });
            Task<string> errors = process.StandardError.ReadToEndAsync();
            using var output = new MemoryStream();
            process.StandardOutput.BaseStream.CopyTo(output);
            process.WaitForExit();
            writer.Wait();
            if (process.ExitCode != 0)
            {
                string first = errors.Result.Split('\n')[0];
                throw new ScanException("git " + arguments[0] + " failed in " + repository + ": " + first);
            }

            return output.ToArray();
        }
    }
}

/// <summary>A scan could not run (not a folder, not a git repository, git missing): one line for the user.</summary>
public sealed class ScanException : Exception
{
    public ScanException(string message)
        : base(message)
    {
    }
}
