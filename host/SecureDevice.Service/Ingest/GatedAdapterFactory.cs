using System;
using System.Threading;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// Gives MQTTnet, for each connection, its own adapter (as <see cref="MqttClientAdapterFactory"/> builds it: TCP, TLS,
/// the socket buffers of <see cref="MqttClientTcpOptions"/>; its channel wrapped in a <see cref="CoalescingChannel"/>)
/// wrapped in a <see cref="GatedChannelAdapter"/> with a new
/// <see cref="DeliveryGate"/>. <see cref="Current"/> is the gate of the newest connection: the delivery callback calls
/// its <see cref="DeliveryGate.Taken"/>. MQTTnet 5.2 waits for its delivery task to finish before it reports a
/// disconnect, and connects again only after that, so no callback of an earlier connection runs against a newer gate.
/// </summary>
public sealed class GatedAdapterFactory : IMqttClientAdapterFactory
{
    private DeliveryGate? _current;
    private CoalescingChannel? _currentChannel;

    public GatedAdapterFactory(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>PUBLISH packets each connection's gate lets MQTTnet hold before the callback takes them.</summary>
    public int Capacity { get; }

    /// <summary>The newest connection's gate (null before the first connect).</summary>
    public DeliveryGate? Current => Volatile.Read(ref _current);

    /// <summary>The newest connection's channel (null before the first connect): its endpoints once connected.</summary>
    public CoalescingChannel? CurrentChannel => Volatile.Read(ref _currentChannel);

    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ChannelOptions is not MqttClientTcpOptions)
        {
            throw new NotSupportedException("the service connects to the broker over TCP (TLS)");
        }

        var gate = new DeliveryGate(Capacity);
        var channel = new CoalescingChannel(new MqttTcpChannel(options));
        var adapter = new GatedChannelAdapter(CreateInner(channel, options, packetInspector, logger), gate);
        Volatile.Write(ref _current, gate);
        Volatile.Write(ref _currentChannel, channel);
        return adapter;
    }

    // MQTTnet's own parts, assembled as its MqttClientAdapterFactory does for a TCP connection, with the channel wrapped
    // in a CoalescingChannel (write-behind: a batch's PUBACKs leave in a few TLS records, not one each).
    private static MqttChannelAdapter CreateInner(CoalescingChannel channel, MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion, new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        return new MqttChannelAdapter(channel, formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }
}
