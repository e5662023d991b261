using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Packets;
using SecureDevice.Service.Ingest;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>
/// The gate around MQTTnet's own adapter, reading hand-encoded MQTT 5 frames from a stream that counts what is read:
/// while the gate is full not one more byte leaves the stream; taking resumes; every packet arrives once, in order;
/// cancellation and disconnect end the wait.
/// </summary>
public sealed class GatedChannelAdapterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task ReceivePacketAsync_GateFull_ReadsNoFurtherByte_TakenResumes_EveryPacketOnceInOrder()
    {
        var frames = new List<byte[]>();
        for (ushort id = 1; id <= 10; id++)
        {
            frames.Add(Publish(id, "devices/d-" + id + "/up/health", new byte[70 + id]));
            if (id == 5)
            {
                frames.Add(new byte[] { 0xD0, 0x00 }); // a PINGRESP between them passes the gate and is not counted
            }
        }

        using var stream = new CountingStream(Concat(frames));
        var gate = new DeliveryGate(3);
        using var adapter = Adapter(stream, gate);

        var ids = new List<ushort>();
        for (int i = 0; i < 3; i++)
        {
            ids.Add(((MqttPublishPacket)await adapter.ReceivePacketAsync(CancellationToken.None)).PacketIdentifier);
        }

        Task<MqttPacket> fourth = adapter.ReceivePacketAsync(CancellationToken.None);
        await Task.Delay(100);
        Assert.False(fourth.IsCompleted);
        Assert.Equal(frames[0].Length + frames[1].Length + frames[2].Length, stream.Consumed); // not one byte of the fourth

        gate.Taken(); // 2 outstanding: still above the resume mark (1)
        await Task.Delay(50);
        Assert.False(fourth.IsCompleted);
        gate.Taken();
        ids.Add(((MqttPublishPacket)await fourth.WaitAsync(Patience)).PacketIdentifier);

        int pings = 0;
        while (ids.Count < 10)
        {
            Task<MqttPacket> next = adapter.ReceivePacketAsync(CancellationToken.None);
            while (!next.IsCompleted && gate.Outstanding > gate.ResumeAt)
            {
                gate.Taken(); // the callback takes them down to the resume mark; the reader goes on
            }

            MqttPacket packet = await next.WaitAsync(Patience);
            if (packet is MqttPingRespPacket)
            {
                pings++;
                continue;
            }

            ids.Add(((MqttPublishPacket)packet).PacketIdentifier);
        }

        Assert.Equal(new ushort[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, ids);
        Assert.Equal(1, pings);
        Assert.Equal(Concat(frames).Length, stream.Consumed);
    }

    [Fact]
    public async Task ReceivePacketAsync_CancelledWhileWaiting_ReturnsNull_NothingRead()
    {
        using var stream = new CountingStream(Concat(new List<byte[]> { Publish(1, "t", new byte[3]), Publish(2, "t", new byte[3]) }));
        var gate = new DeliveryGate(1);
        using var adapter = Adapter(stream, gate);
        Assert.IsType<MqttPublishPacket>(await adapter.ReceivePacketAsync(CancellationToken.None));
        long consumed = stream.Consumed;

        using var cancel = new CancellationTokenSource();
        Task<MqttPacket> waiting = adapter.ReceivePacketAsync(cancel.Token);
        Assert.False(waiting.IsCompleted);
        cancel.Cancel();
        Assert.Null(await waiting.WaitAsync(Patience));
        Assert.Equal(consumed, stream.Consumed);
    }

    [Fact]
    public async Task ReceivePacketAsync_DisconnectWhileWaiting_ReturnsNull_NothingRead()
    {
        using var stream = new CountingStream(Concat(new List<byte[]> { Publish(1, "t", new byte[3]), Publish(2, "t", new byte[3]) }));
        var gate = new DeliveryGate(1);
        using var adapter = Adapter(stream, gate);
        Assert.IsType<MqttPublishPacket>(await adapter.ReceivePacketAsync(CancellationToken.None));
        long consumed = stream.Consumed;

        Task<MqttPacket> waiting = adapter.ReceivePacketAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        await adapter.DisconnectAsync(CancellationToken.None);
        Assert.Null(await waiting.WaitAsync(Patience));
        Assert.Equal(consumed, stream.Consumed);
    }

    [Fact]
    public void CreateClientAdapter_EachConnection_GetsANewGate()
    {
        var factory = new GatedAdapterFactory(7);
        Assert.Null(factory.Current);
        var options = new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("localhost", 1).Build();
        using var first = (GatedChannelAdapter)factory.CreateClientAdapter(options, Inspector(), new MqttNetNullLogger());
        Assert.Same(first.Gate, factory.Current);
        first.Gate.Read();
        using var second = (GatedChannelAdapter)factory.CreateClientAdapter(options, Inspector(), new MqttNetNullLogger());
        Assert.Same(second.Gate, factory.Current);
        Assert.Equal(0, second.Gate.Outstanding);
        Assert.Equal(7, second.Gate.Capacity);
    }

    private static MqttPacketInspector Inspector() =>
        new(new MQTTnet.Internal.AsyncEvent<MQTTnet.Diagnostics.PacketInspection.InspectMqttPacketEventArgs>(), new MqttNetNullLogger());

    private static GatedChannelAdapter Adapter(Stream stream, DeliveryGate gate)
    {
        var channel = new MqttTcpChannel(stream, new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2), null);
        var inner = new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65536)), new MqttNetNullLogger());
        return new GatedChannelAdapter(inner, gate);
    }

    /// <summary>An MQTT 5 PUBLISH, QoS 1, no properties (encoded here, not by MQTTnet).</summary>
    private static byte[] Publish(ushort id, string topic, byte[] payload)
    {
        byte[] name = Encoding.UTF8.GetBytes(topic);
        var body = new List<byte> { (byte)(name.Length >> 8), (byte)name.Length };
        body.AddRange(name);
        body.Add((byte)(id >> 8));
        body.Add((byte)id);
        body.Add(0); // property length
        body.AddRange(payload);
        Assert.True(body.Count < 128);
        var frame = new List<byte> { 0x32, (byte)body.Count };
        frame.AddRange(body);
        return frame.ToArray();
    }

    private static byte[] Concat(List<byte[]> frames)
    {
        var all = new List<byte>();
        frames.ForEach(all.AddRange);
        return all.ToArray();
    }

    /// <summary>A read-only stream over bytes that counts what was read from it (also after it was closed).</summary>
    private sealed class CountingStream : MemoryStream
    {
        private long _consumed;

        public CountingStream(byte[] bytes)
            : base(bytes, writable: false)
        {
        }

        public long Consumed => Interlocked.Read(ref _consumed);

        // A derived MemoryStream's ReadAsync reads through this.
        public override int Read(byte[] buffer, int offset, int count)
        {
            int read = base.Read(buffer, offset, count);
            Interlocked.Add(ref _consumed, read);
            return read;
        }
    }
}
