using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Tool.Tests.Hostile;

/// <summary>
/// Runs the whole hostile corpus (<see cref="HostileCorpus"/>) against the built executable, each case in its own
/// process with a time limit, three at a time. Every case must end with exit 1 or 2, exactly one line on standard error,
/// no stack trace and no raw control character in anything printed. The summary (corpus size, exit codes, slowest
/// case) goes to the test output.
/// </summary>
public sealed class HostileCorpusTests : IClassFixture<HostileCorpus>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(15);
    private readonly HostileCorpus _corpus;
    private readonly ITestOutputHelper _output;

    public HostileCorpusTests(HostileCorpus corpus, ITestOutputHelper output)
    {
        _corpus = corpus;
        _output = output;
    }

    [Fact]
    public void EveryHostileInput_IsRefusedWithOneLineInTime()
    {
        var results = new ConcurrentBag<(CorpusCase Case, ProcessRun Run)>();
        Parallel.ForEach(_corpus.Cases, new ParallelOptions { MaxDegreeOfParallelism = 3 }, c =>
            results.Add((c, ToolProcess.Run(Limit, c.Environment, _corpus.W("out"), c.Args))));

        var failures = results
            .Select(r => (r.Case, r.Run, Problem: r.Run.ContractViolation() ?? RawControl(r.Run)))
            .Where(r => r.Problem != null)
            .OrderBy(r => r.Case.Group, StringComparer.Ordinal).ThenBy(r => r.Case.Name, StringComparer.Ordinal)
            .ToList();
        var slowest = results.OrderByDescending(r => r.Run.Elapsed).First();
        _output.WriteLine("hostile corpus: " + results.Count + " cases; " + string.Join(", ", results.GroupBy(r => r.Case.Group).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key + " " + g.Count())));
        _output.WriteLine("exit codes: " + string.Join(", ", results.GroupBy(r => r.Run.TimedOut ? "timeout" : r.Run.ExitCode.ToString(CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key + " x" + g.Count())));
        _output.WriteLine("slowest: " + slowest.Case.Name + " " + slowest.Run.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture) + " s; failures: " + failures.Count);
        Assert.True(failures.Count == 0, failures.Count + " of " + results.Count + " cases broke the contract:\n"
            + string.Join("\n", failures.Take(40).Select(f => "[" + f.Case.Group + "] " + SecureDevice.Fleet.Text.Printable.Escape(f.Case.Name) + ": " + f.Problem
                + " | exit " + f.Run.ExitCode + " | " + SecureDevice.Fleet.Text.Printable.Escape(f.Run.Error.Length > 300 ? f.Run.Error[..300] : f.Run.Error))));
    }

    [Fact]
    public void TheCorpusCoversEveryKind()
    {
        Assert.True(_corpus.Cases.Count >= 400, _corpus.Cases.Count + " cases");
        foreach (string group in new[] { "file", "bundle", "string", "number", "state" })
        {
            Assert.Contains(_corpus.Cases, c => c.Group == group);
        }
    }

    private static string? RawControl(ProcessRun run)
    {
        string printed = run.Output + run.Error;
        return printed.Any(c => (c < ' ' && c != '\n') || (c >= '\u007f' && c <= '\u009f') || c is '\u202e' or '\u2028' or '\u2029') ? "raw control character printed" : null;
    }
}
