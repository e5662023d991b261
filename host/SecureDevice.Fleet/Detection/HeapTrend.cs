using System;
using System.Runtime.CompilerServices;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// One heap's trend within a boot for <c>heap-leak</c>, in 24 bytes: the highest free value seen in each hour
/// (transient allocations make dips; a leak lowers even the best moments), the last <see cref="Capacity"/> hours kept, and
/// the Theil–Sen slope over them. A reboot starts over (a leak is reset by a reboot, and the new boot is judged anew).
/// </summary>
internal struct HeapTrend
{
    /// <summary>Hourly checkpoints kept (8 hours).</summary>
    public const int Capacity = 8;

    private Checkpoints _points;
    private byte _count;
    private ushort _hourMax;
    private int _hourStart;

    /// <summary>Hourly checkpoints held.</summary>
    public readonly int Count => _count;

    /// <summary>The newest checkpoint (KiB), or the current hour's maximum before the first.</summary>
    public readonly double Latest => _count > 0 ? _points[_count - 1] : _hourMax;

    /// <summary>Takes one free-heap reading (KiB) at <paramref name="now"/>; closes an hour when one passed.</summary>
    public void Add(long kib, int now)
    {
        ushort value = (ushort)Math.Clamp(kib, 0, ushort.MaxValue);
        if (_hourStart == 0)
        {
            _hourStart = now;
            _hourMax = value;
            return;
        }

        if (now - _hourStart >= 3600)
        {
            if (_count == Capacity)
            {
                for (int i = 1; i < Capacity; i++)
                {
                    _points[i - 1] = _points[i];
                }

                _count--;
            }

            _points[_count++] = _hourMax;
            _hourStart = now;
            _hourMax = value;
            return;
        }

        _hourMax = Math.Max(_hourMax, value);
    }

    /// <summary>The Theil–Sen slope of the checkpoints, KiB per hour (NaN with fewer than two).</summary>
    public readonly double Slope()
    {
        Span<float> values = stackalloc float[Capacity];
        for (int i = 0; i < _count; i++)
        {
            values[i] = _points[i];
        }

        return RobustStatistics.TheilSenSlope(values[.._count]);
    }

    /// <summary>Starts over (a new boot).</summary>
    public void Reset() => this = default;

    /// <summary>For persistence: the checkpoints, oldest first, then the current hour.</summary>
    public readonly void Save(System.IO.BinaryWriter writer)
    {
        writer.Write(_count);
        for (int i = 0; i < _count; i++)
        {
            writer.Write(_points[i]);
        }

        writer.Write(_hourMax);
        writer.Write(_hourStart);
    }

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    public static HeapTrend Load(System.IO.BinaryReader reader)
    {
        var trend = default(HeapTrend);
        trend._count = reader.ReadByte();
        if (trend._count > Capacity)
        {
            throw new System.IO.InvalidDataException("heap trend with " + trend._count + " checkpoints");
        }

        for (int i = 0; i < trend._count; i++)
        {
            trend._points[i] = reader.ReadUInt16();
        }

        trend._hourMax = reader.ReadUInt16();
        trend._hourStart = reader.ReadInt32();
        return trend;
    }

    [InlineArray(Capacity)]
    private struct Checkpoints
    {
        private ushort _element;
    }
}
