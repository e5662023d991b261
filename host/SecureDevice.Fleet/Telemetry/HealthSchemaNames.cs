using System;
using System.Collections.Generic;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Fleet.Telemetry;

/// <summary>
/// The names of the current health schema, read once from the device's own table (<see cref="HealthSchema"/>, compiled
/// into the host build of the core): every key's JSON key and name, and the names of its values. The decoder's named
/// form, <see cref="HealthField"/> and the service's ingest all name values from here, so they cannot drift from what the
/// device writes; docs/telemetry.md is compared with it by a test.
/// </summary>
internal sealed class HealthSchemaNames : IHealthWriter
{
    private readonly List<string> _jsonKeys = new();
    private readonly List<string> _groupNames = new();
    private readonly List<string[]> _names = new();
    private readonly List<bool> _scalar = new();
    private readonly List<HealthValueKind[]> _kinds = new();
    private List<string>? _group;
    private List<HealthValueKind>? _groupKinds;

    private HealthSchemaNames()
    {
    }

    /// <summary>The current schema's names.</summary>
    public static HealthSchemaNames Current { get; } = Read();

    /// <summary>One-letter JSON key of each key.</summary>
    public string[] JsonKeys { get; private set; } = Array.Empty<string>();

    /// <summary>Name of each key (a scalar's name is also its value's).</summary>
    public string[] GroupNames { get; private set; } = Array.Empty<string>();

    /// <summary>Names of each key's values: one for a scalar, the array members' in order for a group.</summary>
    public string[][] Names { get; private set; } = Array.Empty<string[]>();

    /// <summary>True for the keys whose value is one integer rather than an array.</summary>
    public bool[] IsScalar { get; private set; } = Array.Empty<bool>();

    /// <summary>How each value is written, in the shape of <see cref="Names"/>.</summary>
    public HealthValueKind[][] Kinds { get; private set; } = Array.Empty<HealthValueKind[]>();

    void IHealthWriter.Scalar(int key, string jsonKey, string name, HealthValueKind kind, long value)
    {
        StartKey(key, jsonKey, name, scalar: true);
        _names.Add(new[] { name });
        _kinds.Add(new[] { kind });
    }

    void IHealthWriter.Group(int key, string jsonKey, string name)
    {
        StartKey(key, jsonKey, name, scalar: false);
        _group = new List<string>();
        _groupKinds = new List<HealthValueKind>();
    }

    void IHealthWriter.Field(string name, HealthValueKind kind, long value, bool present)
    {
        if (_group == null || _groupKinds == null || _group.Contains(name))
        {
            throw new InvalidOperationException("health schema: field " + name + " outside a group or named twice");
        }

        _group.Add(name);
        _groupKinds.Add(kind);
    }

    void IHealthWriter.End()
    {
        CloseGroup();
        JsonKeys = _jsonKeys.ToArray();
        GroupNames = _groupNames.ToArray();
        Names = _names.ToArray();
        IsScalar = _scalar.ToArray();
        Kinds = _kinds.ToArray();
    }

    private static HealthSchemaNames Read()
    {
        var names = new HealthSchemaNames();
        HealthSchema.Write(new HealthSnapshot(), names);
        return names;
    }

    private void StartKey(int key, string jsonKey, string name, bool scalar)
    {
        CloseGroup();
        if (key != _jsonKeys.Count || _jsonKeys.Contains(jsonKey) || _groupNames.Contains(name))
        {
            throw new InvalidOperationException("health schema: key " + key + " (" + jsonKey + ", " + name + ") out of order or named twice");
        }

        _jsonKeys.Add(jsonKey);
        _groupNames.Add(name);
        _scalar.Add(scalar);
    }

    private void CloseGroup()
    {
        if (_group != null && _groupKinds != null)
        {
            _names.Add(_group.ToArray());
            _kinds.Add(_groupKinds.ToArray());
            _group = null;
            _groupKinds = null;
        }
    }
}
