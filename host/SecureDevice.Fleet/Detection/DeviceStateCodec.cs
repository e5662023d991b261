using System;
using System.IO;
using System.Text;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// A device's detection state as bytes, for a service that persists it (so a restart does not start every baseline
/// over) or moves a device between engines. Format 4: a version byte, then every field of <see cref="DeviceState"/> in
/// declaration order, little-endian, strings as UTF-8 with a length prefix, one rule track per rule. About 350 bytes per
/// device. The older formats are still read: format 1 (written before <c>storage-failed</c> existed) has the tracks of the
/// first 12 rules, format 2 (before <c>floor-save-failed</c>) those of the first 13, format 3 (before <c>outside-acl</c>)
/// those of the first 14, and the newer rules start closed, so an
/// upgraded service keeps its devices' baselines.
/// </summary>
internal static class DeviceStateCodec
{
    private const byte Format = 4;

    // The rules a format-1, format-2 and format-3 state have tracks for.
    private const int Format1Rules = 12;
    private const int Format2Rules = 13;
    private const int Format3Rules = 14;
    private const int MaxBytes = 4096;

    public static byte[] Write(DeviceState d)
    {
        using var stream = new MemoryStream(384);
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(Format);
            w.Write(d.Id);
            w.Write(d.Product.Name);
            w.Write(d.Cohort != null);
            FirmwareVersion version = d.Cohort?.Version ?? default;
            w.Write(version.Major);
            w.Write(version.Minor);
            w.Write(version.Patch);
            w.Write(version.Security);
            w.Write(d.Registered);
            w.Write(d.ReportIntervalSeconds);
            w.Write(d.CertificateNotAfter);
            w.Write(d.LastReportAt);
            w.Write(d.LastBootCount);
            w.Write(d.LastUptime);
            w.Write(d.LastFlags);
            w.Write(d.VersionSince);
            w.Write(d.PendingUp);
            w.Write(d.PendingDown);
            w.Write(d.PendingSeconds);
            for (int m = 0; m < DeviceState.MetricCount; m++)
            {
                (float mean, float deviation, ushort count) = d.Baseline((Metric)m).Save();
                w.Write(mean);
                w.Write(deviation);
                w.Write(count);
            }

            w.Write(d.MinerStreak);
            w.Write(d.DeviceTrafficElevatedAt);
            w.Write(d.BrokerElevatedAt);
            foreach (ShadowBucket bucket in new[] { d.Messages, d.Connects, d.Malformed })
            {
                (float tokens, bool started) = bucket.Save();
                w.Write(tokens);
                w.Write(started);
            }

            w.Write(d.LastTrafficAt);
            for (int i = 0; i < DeviceState.BootRingSize; i++)
            {
                w.Write(d.Boots[i]);
            }

            w.Write(d.LastCountedBoot);
            d.NativeHeap.Save(w);
            d.ManagedHeap.Save(w);
            w.Write(d.RejectionWindowStart);
            w.Write(d.Rejections);
            w.Write(d.LastRejectionAt);
            w.Write(d.LastRejectionKind);
            w.Write(d.Silent);
            w.Write(d.Accepting);
            for (int r = 0; r < RuleCatalog.Count; r++)
            {
                RuleTrack t = d.Track((DetectionRule)r);
                w.Write(t.Open);
                w.Write((byte)t.Severity);
                w.Write(t.Hits);
                w.Write(t.Quiet);
                w.Write(t.FirstSeen);
                w.Write(t.LastSeen);
            }
        }

        return stream.ToArray();
    }

    /// <exception cref="InvalidDataException">Not a state this codec wrote.</exception>
    public static DeviceState Read(byte[] bytes, Func<string, ProductState> product)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length is < 2 or > MaxBytes || bytes[0] is not (1 or 2 or 3 or Format))
        {
            throw new InvalidDataException("not a detection state of format 1 to " + Format);
        }

        int rules = bytes[0] switch { 1 => Format1Rules, 2 => Format2Rules, 3 => Format3Rules, _ => RuleCatalog.Count };

        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
            r.ReadByte();
            string id = r.ReadString();
            string productName = r.ReadString();
            if (id.Length == 0 || productName.Length == 0)
            {
                throw new InvalidDataException("a detection state without a device id or product");
            }

            var d = new DeviceState(id, product(productName));
            bool hasCohort = r.ReadBoolean();
            var version = new FirmwareVersion(r.ReadInt64(), r.ReadInt64(), r.ReadInt64(), r.ReadInt64());
            d.Cohort = hasCohort ? d.Product.Cohort(version) : null;
            d.Registered = r.ReadBoolean();
            d.ReportIntervalSeconds = Range(r.ReadInt32(), 60, 86400);
            d.CertificateNotAfter = r.ReadInt32();
            d.LastReportAt = r.ReadInt32();
            d.LastBootCount = r.ReadInt64();
            d.LastUptime = r.ReadInt64();
            d.LastFlags = r.ReadInt64();
            d.VersionSince = r.ReadInt32();
            d.PendingUp = r.ReadSingle();
            d.PendingDown = r.ReadSingle();
            d.PendingSeconds = r.ReadInt32();
            for (int m = 0; m < DeviceState.MetricCount; m++)
            {
                d.Baseline((Metric)m) = RobustBaseline.Load(Finite(r.ReadSingle()), Finite(r.ReadSingle()), r.ReadUInt16());
            }

            d.MinerStreak = r.ReadByte();
            d.DeviceTrafficElevatedAt = r.ReadInt32();
            d.BrokerElevatedAt = r.ReadInt32();
            d.Messages = ShadowBucket.Load(Finite(r.ReadSingle()), r.ReadBoolean());
            d.Connects = ShadowBucket.Load(Finite(r.ReadSingle()), r.ReadBoolean());
            d.Malformed = ShadowBucket.Load(Finite(r.ReadSingle()), r.ReadBoolean());
            d.LastTrafficAt = r.ReadInt32();
            for (int i = 0; i < DeviceState.BootRingSize; i++)
            {
                d.Boots[i] = r.ReadInt32();
            }

            d.LastCountedBoot = r.ReadInt64();
            d.NativeHeap = HeapTrend.Load(r);
            d.ManagedHeap = HeapTrend.Load(r);
            d.RejectionWindowStart = r.ReadInt32();
            d.Rejections = r.ReadUInt16();
            d.LastRejectionAt = r.ReadInt32();
            d.LastRejectionKind = r.ReadByte();
            d.Silent = r.ReadBoolean();
            d.Accepting = r.ReadBoolean();
            for (int i = 0; i < rules; i++)
            {
                ref RuleTrack t = ref d.Track((DetectionRule)i);
                t.Open = r.ReadBoolean();
                byte severity = r.ReadByte();
                t.Severity = severity <= (byte)FindingSeverity.Critical ? (FindingSeverity)severity : throw new InvalidDataException("a finding severity of " + severity);
                t.Hits = r.ReadByte();
                t.Quiet = r.ReadByte();
                t.FirstSeen = r.ReadInt32();
                t.LastSeen = r.ReadInt32();
            }

            if (r.BaseStream.Position != bytes.Length)
            {
                throw new InvalidDataException("a detection state with " + (bytes.Length - r.BaseStream.Position) + " bytes too many");
            }

            return d;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException("a truncated detection state");
        }
    }

    private static int Range(int value, int minimum, int maximum) =>
        value >= minimum && value <= maximum ? value : throw new InvalidDataException("a report interval of " + value + " s");

    private static float Finite(float value) => float.IsFinite(value) ? value : throw new InvalidDataException("a non-finite number in a detection state");
}
