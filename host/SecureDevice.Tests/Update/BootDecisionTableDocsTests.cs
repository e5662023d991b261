using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Text.RegularExpressions;
using SecureDevice.Core.Update;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Update;

/// <summary>
/// The loader's decision table is one contract in four places: the rows of docs/update-engine.md, the members of
/// <see cref="BootDecision"/> (numbered as the rows, tried in that order by <see cref="BootPlanner"/>), the journal's
/// named transitions in the "Journal after" column, and the device tests that reach each decision.
/// </summary>
public sealed class BootDecisionTableDocsTests
{
    private static readonly Regex Row = new(@"^\| (\d+)(b?) \|[^|]+\|[^|]*\| `(\w+)` \|([^|]+)\|", RegexOptions.CultureInvariant);

    [Fact]
    public void DocsRows_NameTheDecisionWithTheRowsNumber()
    {
        List<(int Number, string Suffix, string Decision, string After)> rows = DocsRows();
        foreach (var row in rows)
        {
            Assert.True(Enum.TryParse(row.Decision, out BootDecision decision), "row " + row.Number + row.Suffix + ": no BootDecision." + row.Decision);
            Assert.Equal(row.Number, (int)decision);
        }

        var numbers = new List<int>();
        rows.ForEach(r => numbers.Add(r.Number));
        Assert.Equal(new[] { 1, 1, 2, 3, 4, 5, 6, 7, 8 }, numbers);
    }

    [Fact]
    public void EveryDecision_IsInTheDocsAndReachedByADeviceTest()
    {
        string docs = File.ReadAllText(RepositoryPaths.Combine("docs", "update-engine.md"));
        string tests = File.ReadAllText(RepositoryPaths.Combine("DeviceFirmware.Tests.Update", "Update", "BootPlannerTests.cs"));
        foreach (BootDecision decision in Enum.GetValues<BootDecision>())
        {
            if (decision == BootDecision.None)
            {
                continue;
            }

            Assert.Contains("`" + decision + "`", docs);
            Assert.Matches(new Regex(@"BootDecision\." + decision + @"\b"), tests);
        }
    }

    [Fact]
    public void JournalAfter_IsANamedTransitionOfTheJournalOrUnchanged()
    {
        foreach (var row in DocsRows())
        {
            Match named = Regex.Match(row.After, @"^`(\w+)`");
            if (!named.Success)
            {
                Assert.Equal("unchanged", row.After.Trim());
                continue;
            }

            MethodInfo? transition = typeof(UpdateJournal).GetMethod(named.Groups[1].Value, BindingFlags.Public | BindingFlags.Instance);
            Assert.True(transition != null && transition.ReturnType == typeof(void), "row " + row.Number + row.Suffix + ": UpdateJournal has no transition " + named.Groups[1].Value);
        }
    }

    private static List<(int Number, string Suffix, string Decision, string After)> DocsRows()
    {
        var rows = new List<(int, string, string, string)>();
        bool inSection = false;
        foreach (string line in File.ReadAllLines(RepositoryPaths.Combine("docs", "update-engine.md")))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                inSection = line == "## The loader's decision table";
                continue;
            }

            Match row = Row.Match(line);
            if (inSection && row.Success)
            {
                rows.Add((int.Parse(row.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), row.Groups[2].Value, row.Groups[3].Value, row.Groups[4].Value.Trim()));
            }
        }

        Assert.True(rows.Count > 0, "no rows under '## The loader's decision table' in docs/update-engine.md");
        return rows;
    }
}
