using System;
using System.Buffers;
using System.Text;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using Xunit;
using Xunit.Abstractions;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>
/// What one queued item costs on the managed heap, measured (GC.GetTotalMemory(true) before and after holding 4,096 of
/// them): a delivered health report as ingest holds it from delivery to PUBACK (MQTTnet's event arguments, application
/// message and PUBLISH packet with its payload a slice of the packet body, as MQTTnet's decoder leaves it, and our
/// message), and a committed report as detection's queue holds it. The byte budget's estimate
/// (<see cref="InboundMessage.RetainedBytes"/>) must cover the first and not overstate it by more than half; detection's
/// item bound must stay a few tens of MB. docs/scale.md, "Memory at overload", quotes the printed figures.
/// </summary>
public sealed class InboundMessageBytesTests
{
    private const int Count = 4096;
    private readonly ITestOutputHelper _output;

    public InboundMessageBytesTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void RetainedBytes_DeliveredHealthReport_CoversTheMeasuredHeapCost_WithinHalf()
    {
        var held = new InboundMessage[Count];
        double perMessage = Measure(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                held[i] = MqttIngestClient.Inbound(Delivery(i), 0, 1);
            }
        }) - IntPtr.Size; // the array slot
        GC.KeepAlive(held);
        long estimate = held[0].RetainedBytes;
        _output.WriteLine($"ingest: {perMessage:0} bytes measured per delivered report (topic {held[0].Topic.Length} chars, payload {held[0].Payload.Length} bytes); estimate {estimate}");

        Assert.True(estimate >= perMessage, "the estimate " + estimate + " is below the measured " + perMessage.ToString("0"));
        Assert.True(estimate <= perMessage * 1.5, "the estimate " + estimate + " overstates the measured " + perMessage.ToString("0"));
    }

    [Fact]
    public void DetectionQueue_ItemBound_HoldsAtMost48MiB()
    {
        var held = new StoredReport[Count];
        double perItem = Measure(() =>
        {
            for (int i = 0; i < Count; i++)
            {
                byte[] payload = HealthReports.Cbor(1, i);
                Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(payload, out DecodedHealthReport? report, out _));
                held[i] = new StoredReport(Topic(i).Split('/')[1], "acme", 0, 1, i, payload.Length, report!);
            }
        }) - IntPtr.Size;
        GC.KeepAlive(held);
        double queueMb = perItem * DetectionWorker.QueueItems / 1048576;
        _output.WriteLine($"detection: {perItem:0} bytes measured per queued report; {DetectionWorker.QueueItems} items = {queueMb:0.0} MiB");

        Assert.True(queueMb <= 48, queueMb.ToString("0.0") + " MiB");
    }

    private static double Measure(Action fill)
    {
        long before = GC.GetTotalMemory(true);
        fill();
        long after = GC.GetTotalMemory(true);
        return (after - before) / (double)Count;
    }

    private static string Topic(int i) => "devices/bench-" + (i % 1000).ToString("00000", System.Globalization.CultureInfo.InvariantCulture) + "/up/health";

    /// <summary>A QoS 1 delivery as MQTTnet 5 hands it over: the payload a slice of the PUBLISH packet's body.</summary>
    private static MqttApplicationMessageReceivedEventArgs Delivery(int i)
    {
        string topic = Topic(i);
        byte[] payload = HealthReports.Cbor(1, i);
        int topicBytes = Encoding.UTF8.GetByteCount(topic);
        var body = new byte[2 + topicBytes + 2 + 1 + payload.Length]; // topic, packet id, properties length, payload
        payload.CopyTo(body, body.Length - payload.Length);
        var packet = new MqttPublishPacket
        {
            Topic = topic,
            PacketIdentifier = (ushort)(i % 65535 + 1),
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            Payload = new ReadOnlySequence<byte>(body, body.Length - payload.Length, payload.Length),
        };
        var message = new MqttApplicationMessage
        {
            Topic = topic,
            Payload = packet.Payload,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
        };
        return new MqttApplicationMessageReceivedEventArgs("service", message, packet, (_, _) => Task.CompletedTask);
    }
}
