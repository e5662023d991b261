using SecureDevice.Core.Telemetry;

namespace SecureDevice.Fleet.Telemetry;

/// <summary>
/// The allocation-free path of the strict decoder, for the form every device's encoder writes: a map of the ten keys
/// in order 0..9, each group an array of exactly its schema's length holding integers or null, shortest-form heads,
/// nothing after the map. It writes the values straight into the flat layout (<see cref="HealthLayout"/>), boxing
/// nothing. It accepts a subset of what <see cref="CborReader"/> with <see cref="HealthJson.Validate"/> accepts, with
/// the same values; anything else (keys out of order, any error) returns false, and the general decoder then decides
/// and names the error, so the decoder's verdicts and details stay exactly those of the general path.
/// </summary>
internal static class CanonicalHealthReader
{
    private const byte TenPairMap = 0xA0 | 10;
    private const byte Null = 0xF6;

    /// <summary>Decodes <paramref name="data"/> when it is in the canonical form; false otherwise (nothing decided).</summary>
    public static bool TryRead(byte[] data, long[] values, out long schema, out ulong absent)
    {
        schema = 0;
        absent = 0;
        int position = 0;
        if (data.Length == 0 || data[position++] != TenPairMap)
        {
            return false;
        }

        int[]? offsets = null;
        for (int key = 0; key < 10; key++)
        {
            if (position >= data.Length || data[position++] != key)
            {
                return false;
            }

            if (HealthLayout.IsScalar(key))
            {
                if (!TryInteger(data, ref position, out long value))
                {
                    return false;
                }

                if (key == 0)
                {
                    if (value < HealthJson.OldestSchema || value > HealthSnapshot.SchemaVersion)
                    {
                        return false;
                    }

                    schema = value;
                    offsets = HealthLayout.OffsetsOf(schema);
                }

                values[offsets![key]] = value;
                continue;
            }

            int start = offsets![key];
            int length = offsets[key + 1] - start;
            if (position >= data.Length || data[position++] != 0x80 + length)
            {
                return false; // every group is shorter than 24: its head is one byte
            }

            for (int i = start; i < start + length; i++)
            {
                if (position < data.Length && data[position] == Null)
                {
                    position++;
                    absent |= 1UL << i;
                    values[i] = 0;
                }
                else if (!TryInteger(data, ref position, out values[i]))
                {
                    return false;
                }
            }
        }

        return position == data.Length;
    }

    /// <summary>An unsigned or negative integer in its shortest form, within a long (CborReader's rules).</summary>
    private static bool TryInteger(byte[] data, ref int position, out long value)
    {
        value = 0;
        if (position >= data.Length)
        {
            return false;
        }

        byte initial = data[position++];
        int major = initial >> 5;
        int info = initial & 0x1F;
        if (major > 1)
        {
            return false;
        }

        ulong argument;
        if (info < 24)
        {
            argument = (ulong)info;
        }
        else
        {
            int bytes = info switch { 24 => 1, 25 => 2, 26 => 4, 27 => 8, _ => 0 };
            if (bytes == 0 || data.Length - position < bytes)
            {
                return false;
            }

            argument = 0;
            for (int i = 0; i < bytes; i++)
            {
                argument = (argument << 8) | data[position++];
            }

            ulong shortest = bytes == 1 ? 24UL : bytes == 2 ? 0x100UL : bytes == 4 ? 0x10000UL : 0x100000000UL;
            if (argument < shortest)
            {
                return false;
            }
        }

        if (argument > long.MaxValue)
        {
            return false;
        }

        value = major == 0 ? (long)argument : -1 - (long)argument;
        return true;
    }
}
