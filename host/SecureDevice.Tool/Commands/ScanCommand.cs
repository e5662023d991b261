using System.CommandLine;
using System.IO;
using SecureDevice.Tool.Cli;
using SecureDevice.WebConsole.Scanning;

namespace SecureDevice.Tool.Commands;

/// <summary>
/// <c>securedevice scan PATH [--history | --staged] [--max-bytes N]</c>: finds private keys and console API tokens in a
/// folder tree, in every blob of a git repository's history, or in the blobs staged for the next commit (the
/// pre-commit hook: <c>exec securedevice scan --staged .</c>). One escaped line per finding, never the secret; exit 1
/// when something is found, 0 when clean, 2 on bad arguments.
/// </summary>
public static class ScanCommand
{
    public static Command Create(ToolConsole console)
    {
        var path = new Argument<string>("path") { Description = "The folder to scan, or the git repository with --history/--staged." };
        var history = new Option<bool>("--history") { Description = "Scan every blob reachable from any ref of the git repository at PATH." };
        var staged = new Option<bool>("--staged") { Description = "Scan the blobs staged in the index (git diff --cached): for a pre-commit hook." };
        var maxBytes = new Option<long>("--max-bytes") { Description = "Largest file or blob scanned (default 8 MiB); larger ones are counted as skipped.", DefaultValueFactory = _ => SecretScanner.DefaultMaxBytes };
        var command = new Command("scan", "Find leaked private keys and console API tokens in a folder or a git history (docs/console.md).") { path, history, staged, maxBytes };
        command.SetAction(result =>
        {
            string root = result.GetValue(path)!;
            long cap = result.GetValue(maxBytes);
            if (cap <= 0)
            {
                throw new ToolException("--max-bytes must be positive");
            }

            if (result.GetValue(history) && result.GetValue(staged))
            {
                throw new ToolException("--history and --staged exclude each other");
            }

            if (!Directory.Exists(root))
            {
                throw new ToolException("not a folder: " + root);
            }

            ScanReport report;
            try
            {
                report = result.GetValue(history) ? GitScan.History(root, cap)
                    : result.GetValue(staged) ? GitScan.Staged(root, cap)
                    : FolderScan.Run(root, cap);
            }
            catch (ScanException error)
            {
                throw new ToolException(error.Message);
            }

            foreach (SecretFinding finding in report.Findings)
            {
                console.Line(finding.ToString());
            }

            console.ErrorLine("securedevice scan: " + report.Summary());
            return report.Findings.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
        });
        return command;
    }
}
