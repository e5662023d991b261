using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Fleet.Telemetry;

/// <summary>
/// Turns a decoded CBOR health report (schema 1 or 2) into the device's JSON form, or into named fields for people.
/// A fleet mid-update has both: schema 1 is what firmware before the compute load sends.
/// </summary>
internal static class HealthJson
{
    /// <summary>Oldest schema decoded.</summary>
    public const int OldestSchema = 1;

    /// <summary>Names of the keys in the named form (the device's table, <see cref="HealthSchemaNames"/>).</summary>
    public static readonly string[] GroupNames = HealthSchemaNames.Current.GroupNames;

    /// <summary>Field names of each array member, by key, in the current schema (the device's table, <see cref="HealthSchemaNames"/>).</summary>
    public static readonly string[][] Names = HealthSchemaNames.Current.Names;

    private static readonly string[] JsonKeys = HealthSchemaNames.Current.JsonKeys;

    /// <summary>Schema 1's names (history: docs/telemetry.md): power without current and load, traffic with the device's wire estimate last.</summary>
    public static readonly string[][] Schema1Names = Schema1();

    /// <summary>The field names of <paramref name="schema"/>.</summary>
    public static string[][] NamesOf(long schema) => schema == 1 ? Schema1Names : Names;

    /// <summary>The compact JSON the device would have sent.</summary>
    public static string ToDeviceJson(DecodedHealthReport report) => Write(report, named: false);

    /// <summary>An indented object with a name for every value.</summary>
    public static string ToNamedJson(DecodedHealthReport report) => Write(report, named: true);

    /// <summary>A validated map (<see cref="Validate"/>) as a report in the flat layout.</summary>
    public static DecodedHealthReport Flatten(SortedDictionary<long, object?> map)
    {
        long schema = (long)map[0]!;
        int[] offsets = HealthLayout.OffsetsOf(schema);
        var values = new long[HealthLayout.MaxValues];
        ulong absent = 0;
        foreach (var (key, value) in map)
        {
            IReadOnlyList<object?> items = value as List<object?> ?? (IReadOnlyList<object?>)new[] { value };
            for (int i = 0; i < items.Count; i++)
            {
                int at = offsets[key] + i;
                if (items[i] is long number)
                {
                    values[at] = number;
                }
                else
                {
                    absent |= 1UL << at;
                }
            }
        }

        return new DecodedHealthReport(schema, values, absent);
    }

    /// <summary>Checks the shape of schema 1 or 2: ten keys, groups of the documented lengths, integers or null.</summary>
    public static SortedDictionary<long, object?> Validate(object? document)
    {
        if (document is not SortedDictionary<long, object?> map)
        {
            throw new HealthFormatException(HealthDecodeStatus.WrongShape, "a health report is a CBOR map");
        }

        if (!map.TryGetValue(0, out object? version) || version is not long v || v < OldestSchema || v > HealthSnapshot.SchemaVersion)
        {
            throw new HealthFormatException(HealthDecodeStatus.UnsupportedSchema, "unsupported health report schema " + (version ?? "(none)"));
        }

        string[][] names = NamesOf(v);
        for (long key = 0; key < names.Length; key++)
        {
            if (!map.TryGetValue(key, out object? value))
            {
                throw new HealthFormatException(HealthDecodeStatus.WrongShape, "health report lacks key " + key);
            }

            int expected = names[key].Length;
            bool scalar = HealthSchemaNames.Current.IsScalar[key];
            if (scalar ? value is not long : value is not List<object?> list || list.Count != expected || list.Exists(i => i is not (long or null)))
            {
                throw new HealthFormatException(HealthDecodeStatus.WrongShape, "health report key " + key + " (" + JsonKeys[key] + ") has the wrong shape");
            }
        }

        foreach (long key in map.Keys)
        {
            if (key < 0 || key >= Names.Length)
            {
                throw new HealthFormatException(HealthDecodeStatus.WrongShape, "health report has unknown key " + key);
            }
        }

        return map;
    }

    private static string[][] Schema1()
    {
        var names = (string[][])Names.Clone();
        names[3] = new[] { "supplyMv", "temperatureDeciC" };
        names[5] = new[] { "messagesUp", "payloadUpKiB", "messagesUpSinceLast", "bytesUpSinceLast", "messagesDown", "payloadDownKiB", "messagesDownSinceLast", "bytesDownSinceLast", "wireBytesSinceLast" };
        return names;
    }

    private static string Write(DecodedHealthReport report, bool named)
    {
        string[][] names = NamesOf(report.Schema);
        int[] offsets = HealthLayout.OffsetsOf(report.Schema);
        var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = named }))
        {
            json.WriteStartObject();
            for (int key = 0; key < names.Length; key++)
            {
                if (HealthLayout.IsScalar(key))
                {
                    WriteValue(json, named ? names[key][0] : JsonKeys[key], report.Value(offsets[key]));
                    continue;
                }

                if (named)
                {
                    json.WriteStartObject(GroupNames[key]);
                }
                else
                {
                    json.WriteStartArray(JsonKeys[key]);
                }

                for (int i = 0; i < names[key].Length; i++)
                {
                    WriteValue(json, named ? names[key][i] : null, report.Value(offsets[key] + i));
                }

                if (named)
                {
                    json.WriteEndObject();
                }
                else
                {
                    json.WriteEndArray();
                }
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter json, string? name, long? value)
    {
        if (name != null)
        {
            json.WritePropertyName(name);
        }

        if (value is long number)
        {
            json.WriteNumberValue(number);
        }
        else
        {
            json.WriteNullValue();
        }
    }
}
