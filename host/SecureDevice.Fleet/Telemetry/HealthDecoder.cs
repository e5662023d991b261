using System;
using System.Collections.Generic;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Fleet.Telemetry;

/// <summary>How decoding a health report ended.</summary>
public enum HealthDecodeStatus
{
    Decoded,

    /// <summary>Longer than <see cref="HealthReport.MaxCborBytes"/>: not decoded at all.</summary>
    TooLarge,

    /// <summary>Not strict CBOR (RFC 8949 subset: definite lengths, shortest integers, nothing after the item).</summary>
    MalformedCbor,

    /// <summary>CBOR, but not the structure of its schema (keys, group sizes, value types).</summary>
    WrongShape,

    /// <summary>A schema version this decoder does not know.</summary>
    UnsupportedSchema,
}

/// <summary>A decoded health report, schema 1 or 2 (docs/telemetry.md): every field by group and name, and the two JSON forms.</summary>
public sealed class DecodedHealthReport
{
    private readonly SortedDictionary<long, object?> _map;

    // The validated map's values by key (HealthJson.Validate: keys 0..9, each present): the service reads ~17 fields of
    // every report it ingests, and an array index is far cheaper than a SortedDictionary lookup.
    private readonly object?[] _groups;

    internal DecodedHealthReport(SortedDictionary<long, object?> map)
    {
        _map = map;
        _groups = new object?[HealthJson.GroupNames.Length];
        foreach (KeyValuePair<long, object?> entry in map)
        {
            _groups[entry.Key] = entry.Value;
        }

        Schema = (long)_groups[0]!;
    }

    /// <summary>Schema version (key 0).</summary>
    public long Schema { get; }

    /// <summary>The report's sequence number (key 1).</summary>
    public long Sequence => (long)_groups[1]!;

    /// <summary>
    /// A field such as ("power", "supplyMv"), or null when the device reported it absent or its schema does not have it
    /// (("power", "loadPct") in a schema-1 report, ("traffic", "wireBytesSinceLast") in a schema-2 one).
    /// </summary>
    /// <exception cref="ArgumentException">No schema has such a group or field.</exception>
    public long? Field(string group, string field) => Field(HealthField.Of(group, field));

    /// <summary>A field resolved once (<see cref="HealthField.Of"/>): the same value as <see cref="Field(string, string)"/> without looking the names up.</summary>
    public long? Field(HealthField field)
    {
        int index = Schema == 1 ? field.Schema1Index : field.Index;
        object? value = _groups[field.Group];
        return index < 0 ? null : value is List<object?> list ? (long?)list[index] : (long?)value;
    }

    /// <summary>The compact JSON the device would have sent in JSON mode.</summary>
    public string ToDeviceJson() => HealthJson.ToDeviceJson(_map);

    /// <summary>Indented JSON with a name for every value.</summary>
    public string ToNamedJson() => HealthJson.ToNamedJson(_map);
}

/// <summary>
/// A health report field by group and name, resolved once to its group key and its index in each schema (-1: that
/// schema has no such field), so that reading it from every report is two array accesses (the service reads ~17 fields
/// of each report it ingests).
/// </summary>
public sealed class HealthField
{
    private HealthField(int group, int index, int schema1Index)
    {
        Group = group;
        Index = index;
        Schema1Index = schema1Index;
    }

    /// <summary>The group's key in the report's map.</summary>
    public int Group { get; }

    /// <summary>Index in the current schema's group, or -1.</summary>
    public int Index { get; }

    /// <summary>Index in schema 1's group, or -1.</summary>
    public int Schema1Index { get; }

    /// <exception cref="ArgumentException">No schema has such a group or field.</exception>
    public static HealthField Of(string group, string field)
    {
        int key = Array.IndexOf(HealthJson.GroupNames, group);
        if (key < 0 || (Array.IndexOf(HealthJson.Names[key], field) < 0 && Array.IndexOf(HealthJson.Schema1Names[key], field) < 0))
        {
            throw new ArgumentException("no health report schema has the field " + group + "." + field);
        }

        return new HealthField(key, Array.IndexOf(HealthJson.Names[key], field), Array.IndexOf(HealthJson.Schema1Names[key], field));
    }
}

/// <summary>
/// Decodes CBOR health reports for the service side. A bad payload is a status and a one-line detail, never an
/// exception: the service counts it against its device and goes on.
/// </summary>
public static class HealthDecoder
{
    public static HealthDecodeStatus TryDecode(byte[] payload, out DecodedHealthReport? report, out string detail)
    {
        report = null;
        if (payload.Length > HealthReport.MaxCborBytes)
        {
            detail = "a health report is at most " + HealthReport.MaxCborBytes + " bytes, got " + payload.Length;
            return HealthDecodeStatus.TooLarge;
        }

        try
        {
            report = new DecodedHealthReport(HealthJson.Validate(new CborReader(payload).ReadDocument()));
            detail = "decoded";
            return HealthDecodeStatus.Decoded;
        }
        catch (HealthFormatException error)
        {
            detail = error.Message;
            return error.Status;
        }
    }
}
