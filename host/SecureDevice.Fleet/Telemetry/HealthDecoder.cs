using System;
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
    // The report's values in HealthLayout's order (groups in key order, each group's fields in schema order) and a bit
    // per value the device reported absent: the service reads ~17 fields of every report it ingests, and a flat array
    // costs one allocation where a map of boxed values cost ~50.
    private readonly long[] _values;
    private readonly ulong _absent;
    private readonly int[] _offsets;

    internal DecodedHealthReport(long schema, long[] values, ulong absent)
    {
        Schema = schema;
        _values = values;
        _absent = absent;
        _offsets = HealthLayout.OffsetsOf(schema);
    }

    /// <summary>Schema version (key 0).</summary>
    public long Schema { get; }

    /// <summary>The report's sequence number (key 1).</summary>
    public long Sequence => _values[_offsets[1]];

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
        return index < 0 ? null : Value(_offsets[field.Group] + index);
    }

    /// <summary>The compact JSON the device would have sent in JSON mode.</summary>
    public string ToDeviceJson() => HealthJson.ToDeviceJson(this);

    /// <summary>Indented JSON with a name for every value.</summary>
    public string ToNamedJson() => HealthJson.ToNamedJson(this);

    /// <summary>The value at <paramref name="index"/> of the flat layout, or null when absent.</summary>
    internal long? Value(int index) => (_absent & (1UL << index)) != 0 ? null : _values[index];
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

        var values = new long[HealthLayout.MaxValues];
        if (CanonicalHealthReader.TryRead(payload, values, out long schema, out ulong absent))
        {
            report = new DecodedHealthReport(schema, values, absent);
            detail = "decoded";
            return HealthDecodeStatus.Decoded;
        }

        // Not in the encoder's canonical form: the general strict decoder decides (valid in another key order, or the error and its detail).
        try
        {
            report = HealthJson.Flatten(HealthJson.Validate(new CborReader(payload).ReadDocument()));
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
