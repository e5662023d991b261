using System;
using System.Collections;
using System.IO;
using System.Linq;
using System.Reflection;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Integration;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// The detection feed's body (<see cref="DetectionFeedCodec"/>) carries a committed batch whole: every property of
/// every record, checked by reflection so that a property added later without codec support fails here; damaged or
/// foreign bodies are refused with one clear <see cref="InvalidDataException"/>, never another exception.
/// </summary>
public sealed class DetectionFeedCodecTests
{
    private static readonly Type[] Records = { typeof(CommittedBatch), typeof(StoredReport), typeof(StoredEvent), typeof(IngestRejection), typeof(StoredStatus), typeof(BrokerRefusal) };

    [Fact]
    public void Decode_EncodedBatch_EveryPropertyOfEveryRecordRoundTrips()
    {
        CommittedBatch batch = Sample();
        // The sample must set every property to something other than its default: a property added to a record later
        // starts at its default here, so this fails until the sample (and the codec) carries it.
        foreach (object record in new object[] { batch, batch.Reports[0], batch.Events[0], batch.Rejections[0], batch.Statuses[0] })
        {
            foreach (PropertyInfo property in Properties(record.GetType()))
            {
                object? value = property.GetValue(record);
                Assert.False(value == null || (property.PropertyType.IsValueType && value.Equals(Activator.CreateInstance(property.PropertyType))) || (value is ICollection c && c.Count == 0),
                    record.GetType().Name + "." + property.Name + " is left at its default in the sample: set it, and carry it in DetectionFeedCodec");
            }
        }

        CommittedBatch decoded = DetectionFeedCodec.Decode(DetectionFeedCodec.Encode(batch));

        AssertSame(batch, decoded, "batch");
    }

    [Fact]
    public void Decode_UnknownVersion_RefusedWithAClearError()
    {
        byte[] body = DetectionFeedCodec.Encode(Sample());
        body[0] = 9;

        var error = Assert.Throws<InvalidDataException>(() => DetectionFeedCodec.Decode(body));
        Assert.Equal("detection feed body of version 9 (this build reads version 1)", error.Message);
    }

    [Fact]
    public void Decode_EveryTruncationAndTrailingBytes_RefusedAsInvalidData_NeverAnotherException()
    {
        byte[] body = DetectionFeedCodec.Encode(Sample());
        for (int length = 0; length < body.Length; length++)
        {
            var error = Assert.Throws<InvalidDataException>(() => DetectionFeedCodec.Decode(body[..length]));
            Assert.StartsWith("detection feed", error.Message);
        }

        Assert.Contains("after its end", Assert.Throws<InvalidDataException>(() => DetectionFeedCodec.Decode(body.Append((byte)0).ToArray())).Message);
    }

    [Fact]
    public void Decode_EveryByteFlipped_DecodesOrRefusesAsInvalidData()
    {
        byte[] body = DetectionFeedCodec.Encode(Sample());
        for (int i = 1; i < body.Length; i++)
        {
            byte[] damaged = (byte[])body.Clone();
            damaged[i] ^= 0xFF;
            try
            {
                DetectionFeedCodec.Decode(damaged);
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    internal static CommittedBatch Sample()
    {
        byte[] payload = HealthReports.Cbor(3, 41, supplyMillivolts: 3123);
        Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(payload, out DecodedHealthReport? report, out _));
        return new CommittedBatch(
            new[] { new StoredReport("dev-ü1", "acme", 1_800_000_000_123, 3, 41, payload.Length, report!) { Payload = payload } },
            new[] { new StoredEvent("dev-2", "initech", 1_800_000_000_456, "fault", "fault:3:main-loop:1", "{\"boot\":3}") },
            new[] { new IngestRejection("dev-3", "globex", "malformed-cbor", "bad map", 77, 1_800_000_000_789) },
            -5)
        {
            Statuses = new[] { new StoredStatus("dev-4", 1_800_000_001_000, true, 6, true, true) },
            Refusals = new[] { new BrokerRefusal("dev-5", 17, 1_234, 1_800_000_002_000) },
        };
    }

    private static PropertyInfo[] Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.Name != "EqualityContract").ToArray();

    private static void AssertSame(object? expected, object? actual, string path)
    {
        switch (expected)
        {
            case null:
                Assert.Null(actual);
                return;
            case byte[] bytes:
                Assert.Equal(bytes, Assert.IsType<byte[]>(actual));
                return;
            case DecodedHealthReport report:
                // Decoded again from the carried payload by the one strict decoder: the same report.
                Assert.Equal(report.ToNamedJson(), Assert.IsType<DecodedHealthReport>(actual).ToNamedJson());
                Assert.Equal(report.Schema, ((DecodedHealthReport)actual!).Schema);
                return;
            case string or ValueType:
                Assert.True(expected.Equals(actual), path + ": " + expected + " became " + actual);
                return;
            case IList list:
                var other = Assert.IsAssignableFrom<IList>(actual);
                Assert.Equal(list.Count, other.Count);
                for (int i = 0; i < list.Count; i++)
                {
                    AssertSame(list[i], other[i], path + "[" + i + "]");
                }

                return;
        }

        Assert.Contains(expected.GetType(), Records);
        foreach (PropertyInfo property in Properties(expected.GetType()))
        {
            AssertSame(property.GetValue(expected), property.GetValue(actual), path + "." + property.Name);
        }
    }
}
