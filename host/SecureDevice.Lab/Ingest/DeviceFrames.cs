using System;
using SecureDevice.VirtualDevice.Mqtt;

namespace SecureDevice.Lab.Ingest;

/// <summary>
/// One bench device's QoS 1 PUBLISH frames, encoded before the clock starts (by the virtual device's strict MQTT 3.1.1
/// codec, <see cref="MqttCodec.Publish"/>) and laid end to end in one array, so that frames i..j-1 are one contiguous
/// slice: the load generator writes any run of ready frames with one <c>SslStream</c> write and copies nothing.
/// Frame i carries packet id <see cref="PacketId"/>(i); the broker acknowledges in order, and at most 1,000 (the
/// largest window) are unacknowledged at once, so the ids of frames in flight never repeat.
/// </summary>
public sealed class DeviceFrames
{
    private DeviceFrames(byte[] bytes, int[] offsets)
    {
        Bytes = bytes;
        Offsets = offsets;
    }

    /// <summary>Every frame, end to end.</summary>
    public byte[] Bytes { get; }

    /// <summary>Frame i is Bytes[Offsets[i]..Offsets[i + 1]]; Count + 1 entries.</summary>
    public int[] Offsets { get; }

    public int Count => Offsets.Length - 1;

    /// <summary>The packet id of frame <paramref name="index"/> of a run: 1..65535, cycling (0 is not a packet id).</summary>
    public static ushort PacketId(long index) => (ushort)((index % 65535) + 1);

    /// <summary>Frames 0..<paramref name="count"/>-1 on <paramref name="topic"/>, frame i carrying <paramref name="payload"/>(i).</summary>
    /// <exception cref="ArgumentException">The frames would not fit one array, or the topic is not a topic name.</exception>
    public static DeviceFrames Build(string topic, int count, Func<int, byte[]> payload)
    {
        var frames = new byte[count][];
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            frames[i] = MqttCodec.Publish(topic, payload(i), 1, retain: false, PacketId(i));
            total += frames[i].Length;
        }

        if (total > Array.MaxLength)
        {
            throw new ArgumentException("the frames of one device exceed one array (" + total + " bytes)");
        }

        byte[] bytes = new byte[total];
        int[] offsets = new int[count + 1];
        int at = 0;
        for (int i = 0; i < count; i++)
        {
            offsets[i] = at;
            frames[i].CopyTo(bytes, at);
            at += frames[i].Length;
        }

        offsets[count] = at;
        return new DeviceFrames(bytes, offsets);
    }

    /// <summary>The health topic of <paramref name="deviceId"/> (the firmware's: devices/ID/up/health).</summary>
    public static string HealthTopic(string deviceId) => "devices/" + deviceId + "/up/health";

    /// <summary>Frame <paramref name="index"/>'s bytes (tests and diagnostics).</summary>
    public ReadOnlySpan<byte> Frame(int index) => Bytes.AsSpan(Offsets[index], Offsets[index + 1] - Offsets[index]);

    public override string ToString() => Count + " frames, " + Bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + " bytes";
}
