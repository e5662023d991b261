using System;
using System.Collections.Generic;
using System.IO;
using System.Text.RegularExpressions;
using SecureDevice.Core.Update;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Update;

/// <summary>The engine's transition table in code (<see cref="UpdateTransitions"/>) is the one in docs/update-engine.md, row by row.</summary>
public sealed class UpdateTransitionsDocsTests
{
    [Fact]
    public void Table_EqualsTheDocsTableRowByRow()
    {
        var documented = ReadDocsTable();
        var code = new List<string>();
        for (int i = 0; i < UpdateTransitions.Count; i++)
        {
            code.Add((i + 1) + " " + UpdateTransitions.From(i) + " -> " + UpdateTransitions.To(i));
        }

        Assert.Equal(documented, code);
    }

    [Fact]
    public void IsLegal_ExactlyTheRowsOfTheTable()
    {
        var legal = new HashSet<(UpdateState, UpdateState)>();
        for (int i = 0; i < UpdateTransitions.Count; i++)
        {
            legal.Add((UpdateTransitions.From(i), UpdateTransitions.To(i)));
        }

        foreach (UpdateState from in Enum.GetValues<UpdateState>())
        {
            foreach (UpdateState to in Enum.GetValues<UpdateState>())
            {
                Assert.Equal(legal.Contains((from, to)), UpdateTransitions.IsLegal(from, to));
            }
        }

        // The transient state is entered only by a boot, and no run-time transition leaves Staged: it waits for the reboot.
        Assert.DoesNotContain(legal, t => t.Item1 == UpdateState.WaitingForReboot || t.Item2 == UpdateState.WaitingForReboot || t.Item1 == UpdateState.Staged);
    }

    private static List<string> ReadDocsTable()
    {
        var rows = new List<string>();
        bool inSection = false;
        foreach (string line in File.ReadAllLines(RepositoryPaths.Combine("docs", "update-engine.md")))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                inSection = line == "## Engine transitions";
                continue;
            }

            Match row = Regex.Match(line, @"^\| (\d+) \| (\w+) \| (\w+) \|");
            if (inSection && row.Success)
            {
                rows.Add(row.Groups[1].Value + " " + row.Groups[2].Value + " -> " + row.Groups[3].Value);
            }
        }

        Assert.True(rows.Count > 0, "no rows under '## Engine transitions' in docs/update-engine.md");
        return rows;
    }
}
