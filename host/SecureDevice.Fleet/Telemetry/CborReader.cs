using System;
using System.Collections.Generic;

namespace SecureDevice.Fleet.Telemetry;

/// <summary>
/// A small strict CBOR (RFC 8949) decoder for health reports on the host: unsigned and negative integers, arrays,
/// maps with integer keys, null, true and false, definite lengths only, nesting at most 4, nothing after the item.
/// Anything else is an error naming the byte offset.
/// </summary>
internal sealed class CborReader
{
    private readonly byte[] _data;
    private int _position;

    public CborReader(byte[] data) => _data = data;

    /// <summary>Decodes the single top-level item: long, null, bool, List&lt;object?&gt; or SortedDictionary&lt;long, object?&gt;.</summary>
    public object? ReadDocument()
    {
        object? value = ReadItem(0);
        if (_position != _data.Length)
        {
            throw new HealthFormatException(HealthDecodeStatus.MalformedCbor, "malformed CBOR: " + (_data.Length - _position) + " bytes after the report at byte " + _position);
        }

        return value;
    }

    private object? ReadItem(int depth)
    {
        if (depth > 4)
        {
            throw Error("nested too deep");
        }

        int start = _position;
        byte initial = Next();
        int major = initial >> 5;
        int info = initial & 0x1F;
        if (major == 7)
        {
            return info switch
            {
                20 => false,
                21 => true,
                22 => null,
                _ => throw Error("unsupported simple value or float 0x" + initial.ToString("x2"), start),
            };
        }

        ulong argument = Argument(info, start);
        switch (major)
        {
            case 0:
                if (argument > long.MaxValue)
                {
                    throw Error("integer too large", start);
                }

                return (long)argument;
            case 1:
                if (argument > long.MaxValue)
                {
                    throw Error("integer too small", start);
                }

                return -1 - (long)argument;
            case 4:
                if (argument > (ulong)(_data.Length - _position))
                {
                    throw Error("array longer than the report", start);
                }

                var list = new List<object?>();
                for (ulong i = 0; i < argument; i++)
                {
                    list.Add(ReadItem(depth + 1));
                }

                return list;
            case 5:
                if (argument > (ulong)(_data.Length - _position))
                {
                    throw Error("map longer than the report", start);
                }

                var map = new SortedDictionary<long, object?>();
                for (ulong i = 0; i < argument; i++)
                {
                    int keyAt = _position;
                    if (ReadItem(depth + 1) is not long key)
                    {
                        throw Error("map key is not an integer", keyAt);
                    }

                    if (map.ContainsKey(key))
                    {
                        throw Error("duplicate map key " + key, keyAt);
                    }

                    map[key] = ReadItem(depth + 1);
                }

                return map;
            default:
                throw Error("unsupported major type " + major + " (strings, tags and floats are not in a health report)", start);
        }
    }

    private ulong Argument(int info, int start)
    {
        if (info < 24)
        {
            return (ulong)info;
        }

        int bytes = info switch
        {
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            _ => throw Error("indefinite or reserved length", start),
        };
        ulong value = 0;
        for (int i = 0; i < bytes; i++)
        {
            value = (value << 8) | Next();
        }

        ulong shortest = bytes == 1 ? 24UL : bytes == 2 ? 0x100UL : bytes == 4 ? 0x10000UL : 0x100000000UL;
        if (value < shortest)
        {
            throw Error("integer not in its shortest form", start);
        }

        return value;
    }

    private byte Next()
    {
        if (_position >= _data.Length)
        {
            throw Error("unexpected end");
        }

        return _data[_position++];
    }

    private HealthFormatException Error(string what, int? at = null) => new(HealthDecodeStatus.MalformedCbor, "malformed CBOR at byte " + (at ?? _position) + ": " + what);
}

/// <summary>Why a health report did not decode (internal: callers get a <see cref="HealthDecodeStatus"/>).</summary>
internal sealed class HealthFormatException : Exception
{
    public HealthFormatException(HealthDecodeStatus status, string message)
        : base(message)
    {
        Status = status;
    }

    public HealthDecodeStatus Status { get; }
}
