using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Service.Extensions;

namespace SecureDevice.Service.Integration;

/// <summary>
/// The body of a <c>detection_feed</c> row: one <see cref="CommittedBatch"/>, compact and versioned. Layout (version 1):
/// a version byte, then the committed time, then the reports, events, rejections and statuses, each list as a count and
/// its items; integers as 7-bit varints (signed ones zigzagged), strings as a varint byte length and UTF-8, a nullable
/// string as a presence byte first. A report is carried as its envelope (device, owner, received time, boot, seq, payload
/// bytes) and its raw CBOR payload, decoded again on the read side by <see cref="HealthDecoder"/>, the strict decoder
/// ingest used: one decoder, no second description of the report's fields that could drift. Reading throws
/// <see cref="InvalidDataException"/> (one line) for an unknown version, a truncated body, trailing bytes or a report the
/// decoder refuses; never another exception for bad input.
/// </summary>
public static class DetectionFeedCodec
{
    /// <summary>The version this build writes and reads.</summary>
    public const byte Version = 1;

    private static readonly UTF8Encoding Utf8 = new(false, true);

    public static byte[] Encode(CommittedBatch batch)
    {
        int estimate = 16;
        foreach (StoredReport r in batch.Reports)
        {
            estimate += 64 + r.Payload.Length + r.DeviceId.Length;
        }

        var output = new MemoryStream(estimate + (batch.Events.Count * 96) + (batch.Rejections.Count * 96) + (batch.Statuses.Count * 32));
        var w = new Writer(output);
        output.WriteByte(Version);
        w.Signed(batch.CommittedMs);
        w.Unsigned((ulong)batch.Reports.Count);
        foreach (StoredReport r in batch.Reports)
        {
            if (r.Payload.Length == 0)
            {
                throw new ArgumentException("a report without its payload cannot be fed to detection (" + r.DeviceId + " boot " + r.Boot + " seq " + r.Seq + ")");
            }

            w.Text(r.DeviceId);
            w.NullableText(r.CustomerId);
            w.Signed(r.ReceivedMs);
            w.Signed(r.Boot);
            w.Signed(r.Seq);
            w.Signed(r.PayloadBytes);
            w.Bytes(r.Payload);
        }

        w.Unsigned((ulong)batch.Events.Count);
        foreach (StoredEvent e in batch.Events)
        {
            w.Text(e.DeviceId);
            w.NullableText(e.CustomerId);
            w.Signed(e.ReceivedMs);
            w.Text(e.Kind);
            w.NullableText(e.EventKey);
            w.Text(e.Payload);
        }

        w.Unsigned((ulong)batch.Rejections.Count);
        foreach (IngestRejection j in batch.Rejections)
        {
            w.Text(j.DeviceId);
            w.NullableText(j.CustomerId);
            w.Text(j.Reason);
            w.Text(j.Detail);
            w.Signed(j.Bytes);
            w.Signed(j.ReceivedMs);
        }

        w.Unsigned((ulong)batch.Statuses.Count);
        foreach (StoredStatus s in batch.Statuses)
        {
            w.Text(s.DeviceId);
            w.Signed(s.ReceivedMs);
            output.WriteByte((byte)((s.Online ? 1 : 0) | (s.Redelivery ? 2 : 0) | (s.Changed ? 4 : 0)));
            w.Signed(s.Bytes);
        }

        w.Unsigned((ulong)batch.Refusals.Count);
        foreach (BrokerRefusal f in batch.Refusals)
        {
            w.Text(f.DeviceId);
            w.Signed(f.Count);
            w.Signed(f.Bytes);
            w.Signed(f.ReceivedMs);
        }

        return output.ToArray();
    }

    /// <summary>Decodes a body <see cref="Encode"/> wrote; <see cref="InvalidDataException"/> for anything else.</summary>
    public static CommittedBatch Decode(byte[] body)
    {
        try
        {
            return DecodeBody(body);
        }
        catch (OverflowException)
        {
            throw new InvalidDataException("detection feed body holds a number out of range");
        }
    }

    private static CommittedBatch DecodeBody(byte[] body)
    {
        if (body.Length == 0)
        {
            throw new InvalidDataException("detection feed body is empty");
        }

        if (body[0] != Version)
        {
            throw new InvalidDataException("detection feed body of version " + body[0] + " (this build reads version " + Version + ")");
        }

        var r = new Reader(body, 1);
        long committedMs = r.Signed();
        var reports = new List<StoredReport>(r.Count(8));
        for (int i = reports.Capacity; i > 0; i--)
        {
            string device = r.Text();
            string? customer = r.NullableText();
            long received = r.Signed();
            long boot = r.Signed();
            long seq = r.Signed();
            int payloadBytes = checked((int)r.Signed());
            byte[] payload = r.Bytes();
            if (HealthDecoder.TryDecode(payload, out DecodedHealthReport? report, out string detail) != HealthDecodeStatus.Decoded)
            {
                throw new InvalidDataException("detection feed report of " + device + " refused by the decoder: " + detail);
            }

            reports.Add(new StoredReport(device, customer, received, boot, seq, payloadBytes, report!) { Payload = payload });
        }

        var events = new List<StoredEvent>(r.Count(5));
        for (int i = events.Capacity; i > 0; i--)
        {
            events.Add(new StoredEvent(r.Text(), r.NullableText(), r.Signed(), r.Text(), r.NullableText(), r.Text()));
        }

        var rejections = new List<IngestRejection>(r.Count(6));
        for (int i = rejections.Capacity; i > 0; i--)
        {
            rejections.Add(new IngestRejection(r.Text(), r.NullableText(), r.Text(), r.Text(), checked((int)r.Signed()), r.Signed()));
        }

        var statuses = new List<StoredStatus>(r.Count(4));
        for (int i = statuses.Capacity; i > 0; i--)
        {
            string device = r.Text();
            long received = r.Signed();
            byte flags = r.Byte();
            if (flags > 7)
            {
                throw new InvalidDataException("detection feed status flags " + flags + " unknown");
            }

            statuses.Add(new StoredStatus(device, received, (flags & 1) != 0, checked((int)r.Signed()), (flags & 2) != 0, (flags & 4) != 0));
        }

        var refusals = new List<BrokerRefusal>(r.Count(4));
        for (int i = refusals.Capacity; i > 0; i--)
        {
            refusals.Add(new BrokerRefusal(r.Text(), r.Signed(), r.Signed(), r.Signed()));
        }

        r.End();
        return new CommittedBatch(reports, events, rejections, committedMs) { Statuses = statuses, Refusals = refusals };
    }

    private readonly struct Writer
    {
        private readonly MemoryStream _out;

        public Writer(MemoryStream output) => _out = output;

        public void Unsigned(ulong value)
        {
            while (value >= 0x80)
            {
                _out.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }

            _out.WriteByte((byte)value);
        }

        public void Signed(long value) => Unsigned((ulong)((value << 1) ^ (value >> 63)));

        public void Bytes(byte[] value)
        {
            Unsigned((ulong)value.Length);
            _out.Write(value);
        }

        public void Text(string value)
        {
            Unsigned((ulong)Utf8.GetByteCount(value));
            Span<byte> buffer = value.Length <= 256 ? stackalloc byte[value.Length * 3] : new byte[Utf8.GetByteCount(value)];
            int n = Utf8.GetBytes(value, buffer);
            _out.Write(buffer[..n]);
        }

        public void NullableText(string? value)
        {
            _out.WriteByte(value == null ? (byte)0 : (byte)1);
            if (value != null)
            {
                Text(value);
            }
        }
    }

    private sealed class Reader
    {
        private readonly byte[] _body;
        private int _at;

        public Reader(byte[] body, int at)
        {
            _body = body;
            _at = at;
        }

        public byte Byte()
        {
            if (_at >= _body.Length)
            {
                throw Truncated();
            }

            return _body[_at++];
        }

        public ulong Unsigned()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                byte b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw new InvalidDataException("detection feed body holds a varint longer than 64 bits at byte " + _at);
        }

        public long Signed()
        {
            ulong z = Unsigned();
            return (long)(z >> 1) ^ -(long)(z & 1);
        }

        /// <summary>A list's count, checked against the bytes left (each item takes at least <paramref name="minBytes"/>) so a damaged count cannot allocate a huge list.</summary>
        public int Count(int minBytes)
        {
            ulong count = Unsigned();
            if (count > (ulong)((_body.Length - _at) / minBytes))
            {
                throw Truncated();
            }

            return (int)count;
        }

        public byte[] Bytes()
        {
            int length = Length();
            byte[] value = _body.AsSpan(_at, length).ToArray();
            _at += length;
            return value;
        }

        public string Text()
        {
            int length = Length();
            try
            {
                return Utf8.GetString(_body, _at, length);
            }
            catch (DecoderFallbackException)
            {
                throw new InvalidDataException("detection feed body holds invalid UTF-8 at byte " + _at);
            }
            finally
            {
                _at += length;
            }
        }

        public string? NullableText() => Byte() switch
        {
            0 => null,
            1 => Text(),
            byte other => throw new InvalidDataException("detection feed body holds a nullable marker " + other + " at byte " + (_at - 1)),
        };

        public void End()
        {
            if (_at != _body.Length)
            {
                throw new InvalidDataException("detection feed body has " + (_body.Length - _at) + " bytes after its end");
            }
        }

        private int Length()
        {
            ulong length = Unsigned();
            if (length > (ulong)(_body.Length - _at))
            {
                throw Truncated();
            }

            return (int)length;
        }

        private InvalidDataException Truncated() => new("detection feed body truncated at byte " + _at + " of " + _body.Length);
    }
}
