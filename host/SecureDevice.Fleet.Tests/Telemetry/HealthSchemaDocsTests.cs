using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using SecureDevice.Core.Telemetry;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Telemetry;

/// <summary>
/// The health schema is one table (<see cref="HealthSchema.Write"/>, read on the host through the host build of the core
/// by <see cref="HealthSchemaNames"/>) that three places follow: the rows of docs/telemetry.md's "Layout" table, the
/// names the host decoder gives (its named form, <see cref="HealthField"/>) and the bytes the device's encoders write.
/// </summary>
public sealed class HealthSchemaDocsTests
{
    private static readonly Regex Row = new(@"^\| (\d+) \| `(\w+)` \| `(\w+)` \| `(\w+)` \| (counter|signed)(, optional)? \|", RegexOptions.CultureInvariant);

    private sealed record SchemaRow(int Key, string JsonKey, string Group, string Field, HealthValueKind Kind);

    [Fact]
    public void DocsTable_EqualsTheDevicesTable()
    {
        List<string> differences = Differences(DocsRows(File.ReadAllLines(DocsPath)), DeviceRows());
        Assert.True(differences.Count == 0, "docs/telemetry.md and HealthSchema.Write disagree:\n" + string.Join("\n", differences));
    }

    [Theory]
    [InlineData("`loadPct`", "`loadPercent`", "row 9")]
    [InlineData("| 3 | `p` | `power` | `supplyMa` |", "| 3 | `p` | `power` | `supplyMilliamps` |", "supplyMa")]
    [InlineData("| 8 | `i` | `identity` | `certificateDays` | signed |", "| 8 | `i` | `identity` | `certificateDays` | counter |", "certificateDays")]
    [InlineData("| 7 | `x` | `protection` | `updateOutcome`", "| 7 | `y` | `protection` | `updateOutcome`", "updateOutcome")]
    public void Differences_ADocsRowChanged_Reported(string original, string changed, string expected)
    {
        string[] lines = File.ReadAllLines(DocsPath);
        int index = Array.FindIndex(lines, l => l.Contains(original, StringComparison.Ordinal));
        Assert.True(index >= 0, "the docs no longer contain " + original);
        lines[index] = lines[index].Replace(original, changed, StringComparison.Ordinal);
        List<string> differences = Differences(DocsRows(lines), DeviceRows());
        Assert.Contains(differences, d => d.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Differences_ADocsRowMissingOrMoved_Reported()
    {
        List<SchemaRow> docs = DocsRows(File.ReadAllLines(DocsPath));
        List<SchemaRow> device = DeviceRows();
        Assert.NotEmpty(Differences(docs.Where(r => r.Field != "heapLargestKiB").ToList(), device));
        List<SchemaRow> swapped = docs.ToList();
        (swapped[5], swapped[6]) = (swapped[6], swapped[5]);
        Assert.NotEmpty(Differences(swapped, device));
    }

    [Fact]
    public void HostNames_AreTheDevicesTable()
    {
        // The decoder's names are the table's: the same arrays, not a copy that could drift.
        Assert.Same(HealthSchemaNames.Current.Names, HealthJson.Names);
        Assert.Same(HealthSchemaNames.Current.GroupNames, HealthJson.GroupNames);
        foreach (SchemaRow row in DeviceRows())
        {
            HealthField field = HealthField.Of(row.Group, row.Field);
            Assert.Equal(row.Key, field.Group);
        }
    }

    [Fact]
    public void DeviceReport_DecodedWithNames_HasTheDocumentedFieldsKindsAndAbsences()
    {
        List<SchemaRow> docs = DocsRows(File.ReadAllLines(DocsPath));
        HashSet<string> optional = DocsOptionalFields(File.ReadAllLines(DocsPath));

        // Every reading absent: exactly the optional values are null.
        List<(string Group, string Field, JsonElement Value)> absent = DecodeNamed(new HealthSnapshot());
        Assert.Equal(docs.Select(r => (r.Group, r.Field)), absent.Select(v => (v.Group, v.Field)));
        Assert.Equal(optional.OrderBy(f => f, StringComparer.Ordinal), absent.Where(v => v.Value.ValueKind == JsonValueKind.Null).Select(v => v.Field).OrderBy(f => f, StringComparer.Ordinal));

        // Every reading present and -5: counters are clamped to 0, signed values written as they are.
        var negative = new HealthSnapshot();
        foreach (FieldInfo field in typeof(HealthSnapshot).GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            field.SetValue(negative, field.FieldType == typeof(bool) ? true : field.FieldType == typeof(int) ? -5 : (object)-5L);
        }

        foreach (var (value, row) in DecodeNamed(negative).Zip(docs))
        {
            long expected = row.Field == "schemaVersion" ? HealthSnapshot.SchemaVersion : row.Kind == HealthValueKind.Counter ? 0 : -5;
            Assert.True(expected == value.Value.GetInt64(), row.Group + "." + row.Field + " is documented " + row.Kind + " but reads " + value.Value);
        }
    }

    private static string DocsPath => RepositoryPaths.Combine("docs", "telemetry.md");

    private static List<SchemaRow> DeviceRows()
    {
        HealthSchemaNames names = HealthSchemaNames.Current;
        var rows = new List<SchemaRow>();
        for (int key = 0; key < names.GroupNames.Length; key++)
        {
            for (int i = 0; i < names.Names[key].Length; i++)
            {
                rows.Add(new SchemaRow(key, names.JsonKeys[key], names.GroupNames[key], names.Names[key][i], names.Kinds[key][i]));
            }
        }

        return rows;
    }

    private static List<SchemaRow> DocsRows(string[] lines)
    {
        var rows = new List<SchemaRow>();
        foreach (Match row in LayoutRows(lines))
        {
            var kind = row.Groups[5].Value == "counter" ? HealthValueKind.Counter : HealthValueKind.Signed;
            rows.Add(new SchemaRow(int.Parse(row.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), row.Groups[2].Value, row.Groups[3].Value, row.Groups[4].Value, kind));
        }

        Assert.True(rows.Count > 0, "no schema rows under '## Layout' in docs/telemetry.md");
        return rows;
    }

    private static HashSet<string> DocsOptionalFields(string[] lines) =>
        LayoutRows(lines).Where(m => m.Groups[6].Success).Select(m => m.Groups[4].Value).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<Match> LayoutRows(string[] lines)
    {
        bool inSection = false;
        foreach (string line in lines)
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                inSection = line == "## Layout";
                continue;
            }

            Match row = Row.Match(line);
            if (inSection && row.Success)
            {
                yield return row;
            }
        }
    }

    private static List<string> Differences(List<SchemaRow> docs, List<SchemaRow> device)
    {
        var differences = new List<string>();
        for (int i = 0; i < Math.Max(docs.Count, device.Count); i++)
        {
            SchemaRow? documented = i < docs.Count ? docs[i] : null;
            SchemaRow? written = i < device.Count ? device[i] : null;
            if (documented != written)
            {
                differences.Add("row " + (i + 1) + ": docs " + (documented?.ToString() ?? "(none)") + ", device " + (written?.ToString() ?? "(none)"));
            }
        }

        return differences;
    }

    // The device's CBOR for the snapshot, decoded by the host and read back from its named JSON, in order.
    private static List<(string Group, string Field, JsonElement Value)> DecodeNamed(HealthSnapshot snapshot)
    {
        byte[] buffer = new byte[HealthReport.MaxCborBytes];
        int length = new HealthReport().EncodeCbor(snapshot, buffer, 0, buffer.Length);
        Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(buffer.AsSpan(0, length).ToArray(), out DecodedHealthReport? report, out string detail));
        var values = new List<(string, string, JsonElement)>();
        using JsonDocument named = JsonDocument.Parse(report!.ToNamedJson());
        foreach (JsonProperty group in named.RootElement.EnumerateObject())
        {
            if (group.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty field in group.Value.EnumerateObject())
                {
                    values.Add((group.Name, field.Name, field.Value.Clone()));
                }
            }
            else
            {
                values.Add((group.Name, group.Name, group.Value.Clone()));
            }
        }

        return values;
    }
}
