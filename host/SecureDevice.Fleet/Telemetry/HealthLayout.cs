namespace SecureDevice.Fleet.Telemetry;

/// <summary>
/// Where each field of a decoded report sits in its flat value array: the ten groups' fields one after the other, in key
/// order (schema 2: 40 values, schema 1: 39), so that a decoded report is one array of longs and a bit mask of the
/// absent ones instead of a map of boxed values.
/// </summary>
internal static class HealthLayout
{
    private static readonly int[] Schema1Offsets = Offsets(HealthJson.Schema1Names);
    private static readonly int[] CurrentOffsets = Offsets(HealthJson.Names);

    /// <summary>The most values a report of any schema has (at most 64: the absent mask is a <see cref="ulong"/>).</summary>
    public static readonly int MaxValues = System.Math.Max(Count(HealthJson.Names), Count(HealthJson.Schema1Names));

    /// <summary>Each group's first value by key (index 10: the number of values) in <paramref name="schema"/>.</summary>
    public static int[] OffsetsOf(long schema) => schema == 1 ? Schema1Offsets : CurrentOffsets;

    /// <summary>True for the keys whose value is a single integer rather than an array (schema, sequence, flags: the device's table, <see cref="HealthSchemaNames"/>).</summary>
    public static bool IsScalar(long key) => key >= 0 && key < Scalar.Length && Scalar[key];

    private static readonly bool[] Scalar = HealthSchemaNames.Current.IsScalar;

    private static int[] Offsets(string[][] names)
    {
        var offsets = new int[names.Length + 1];
        for (int key = 0; key < names.Length; key++)
        {
            offsets[key + 1] = offsets[key] + names[key].Length;
        }

        return offsets;
    }

    private static int Count(string[][] names) => Offsets(names)[names.Length];
}
