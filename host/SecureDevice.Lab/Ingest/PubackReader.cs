using System;
using System.Globalization;
using System.Threading;

namespace SecureDevice.Lab.Ingest;

/// <summary>What <see cref="PubackReader.Feed"/> found.</summary>
public enum PubackStatus
{
    /// <summary>Every whole packet was an expected PUBACK (or the PINGRESP asked for); a partial packet is kept for the next bytes.</summary>
    Ok,

    /// <summary>A packet other than PUBACK (or PINGRESP when a PINGREQ is outstanding): the broker sent what a publishing device never asks for.</summary>
    NotPuback,

    /// <summary>A PUBACK whose remaining length is not 2, or a PINGRESP whose remaining length is not 0.</summary>
    BadLength,

    /// <summary>A PUBACK with packet id 0 (MQTT 3.1.1 §2.3.1: not a packet id).</summary>
    PacketIdZero,

    /// <summary>A PUBACK whose packet id is not the one of the oldest unacknowledged publish (the broker acknowledges in order).</summary>
    WrongPacketId,

    /// <summary>A PUBACK with nothing unacknowledged, or a PINGRESP with no PINGREQ outstanding.</summary>
    Unsolicited,
}

/// <summary>
/// Reads the byte stream a publishing device receives (sans-I/O: bytes in, acknowledgements and a status out): 4-byte
/// PUBACKs (0x40 0x02 id id) for the QoS 1 publishes sent so far, in order, with packet ids <see cref="DeviceFrames.PacketId"/>
/// of 0, 1, 2...; a PINGRESP (0xD0 0x00) only when a PINGREQ is outstanding; nothing else. A packet split across reads
/// is carried over (at most 3 bytes). The first failure is final: the connection is then of no further use.
/// Threads: one reader calls <see cref="Feed"/>; <see cref="Acknowledged"/> may be read from any thread.
/// </summary>
public sealed class PubackReader
{
    private readonly byte[] _carry = new byte[4];
    private int _carried;
    private long _acknowledged;
    private int _pingOutstanding;
    private PubackStatus _failure;

    /// <summary>Publishes acknowledged so far (of this run: <see cref="Restart"/> sets it to 0).</summary>
    public long Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>The first failure, or <see cref="PubackStatus.Ok"/>.</summary>
    public PubackStatus Failure => _failure;

    /// <summary>What the failure was, for a one-line message (empty when none).</summary>
    public string Detail { get; private set; } = string.Empty;

    /// <summary>A new run: its publishes are numbered from 0 again. Only when nothing is unacknowledged (a PINGRESP may be partly read).</summary>
    /// <exception cref="InvalidOperationException">A PUBACK is partly read.</exception>
    public void Restart()
    {
        if (_carried != 0 && _carry[0] == 0x40)
        {
            throw new InvalidOperationException("a PUBACK is partly read");
        }

        Volatile.Write(ref _acknowledged, 0);
    }

    /// <summary>A PINGREQ is about to be sent: one PINGRESP is now expected.</summary>
    public void ExpectPingResponse() => Volatile.Write(ref _pingOutstanding, 1);

    /// <summary>
    /// Reads <paramref name="data"/> as it arrived. <paramref name="sent"/>: publishes of this run written so far (a PUBACK
    /// beyond them is <see cref="PubackStatus.Unsolicited"/>). <paramref name="acknowledged"/>: PUBACKs read now, also on failure
    /// (those before the bad packet).
    /// </summary>
    public PubackStatus Feed(ReadOnlySpan<byte> data, long sent, out int acknowledged)
    {
        acknowledged = 0;
        if (_failure != PubackStatus.Ok)
        {
            return _failure;
        }

        while (data.Length > 0 || _carried > 0)
        {
            ReadOnlySpan<byte> packet;
            int need;
            if (_carried > 0)
            {
                need = Needed(_carry[0]);
                int take = Math.Min(need - _carried, data.Length);
                data[..take].CopyTo(_carry.AsSpan(_carried));
                _carried += take;
                data = data[take..];
                if (_carried < need)
                {
                    return PubackStatus.Ok;
                }

                packet = _carry.AsSpan(0, need);
                _carried = 0;
            }
            else
            {
                need = Needed(data[0]);
                if (data.Length < need)
                {
                    data.CopyTo(_carry);
                    _carried = data.Length;
                    return PubackStatus.Ok;
                }

                packet = data[..need];
                data = data[need..];
            }

            PubackStatus status = Packet(packet, sent);
            if (status != PubackStatus.Ok)
            {
                _failure = status;
                return status;
            }

            if (packet[0] == 0x40)
            {
                acknowledged++;
            }
        }

        return PubackStatus.Ok;
    }

    /// <summary>Bytes of the packet that starts with <paramref name="first"/> that decide it: PUBACK 4; PINGRESP 2; anything else 1 (refused on sight).</summary>
    private static int Needed(byte first) => first switch
    {
        0x40 => 4,
        0xD0 => 2,
        _ => 1,
    };

    private PubackStatus Packet(ReadOnlySpan<byte> packet, long sent)
    {
        switch (packet[0])
        {
            case 0x40:
                if (packet[1] != 2)
                {
                    return Fail(PubackStatus.BadLength, "PUBACK with remaining length " + packet[1] + " (not 2)");
                }

                int id = (packet[2] << 8) | packet[3];
                long next = _acknowledged;
                if (id == 0)
                {
                    return Fail(PubackStatus.PacketIdZero, "PUBACK with packet id 0");
                }

                if (next >= sent)
                {
                    return Fail(PubackStatus.Unsolicited, "PUBACK for packet id " + id + " with no publish unacknowledged (" + sent + " sent)");
                }

                if (id != DeviceFrames.PacketId(next))
                {
                    return Fail(PubackStatus.WrongPacketId, "PUBACK for packet id " + id + ", expected " + DeviceFrames.PacketId(next) + " (publish " + next + " of this run)");
                }

                Volatile.Write(ref _acknowledged, next + 1);
                return PubackStatus.Ok;
            case 0xD0:
                if (packet[1] != 0)
                {
                    return Fail(PubackStatus.BadLength, "PINGRESP with remaining length " + packet[1] + " (not 0)");
                }

                return Interlocked.Exchange(ref _pingOutstanding, 0) == 1 ? PubackStatus.Ok : Fail(PubackStatus.Unsolicited, "PINGRESP with no PINGREQ outstanding");
            default:
                return Fail(PubackStatus.NotPuback, "packet of type " + (packet[0] >> 4) + " (first byte 0x" + packet[0].ToString("x2", CultureInfo.InvariantCulture) + ") where only PUBACK is expected");
        }
    }

    private PubackStatus Fail(PubackStatus status, string detail)
    {
        Detail = detail;
        return status;
    }
}
