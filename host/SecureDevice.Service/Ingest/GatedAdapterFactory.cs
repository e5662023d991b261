using System;
using System.Threading;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Implementations;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// Gives MQTTnet, for each connection, its own adapter (<see cref="MqttClientAdapterFactory"/>: TCP, TLS, the socket
/// buffers of <see cref="MqttClientTcpOptions"/>) wrapped in a <see cref="GatedChannelAdapter"/> with a new
/// <see cref="DeliveryGate"/>. <see cref="Current"/> is the gate of the newest connection: the delivery callback calls
/// its <see cref="DeliveryGate.Taken"/>. MQTTnet 5.2 waits for its delivery task to finish before it reports a
/// disconnect, and connects again only after that, so no callback of an earlier connection runs against a newer gate.
/// </summary>
public sealed class GatedAdapterFactory : IMqttClientAdapterFactory
{
    private readonly IMqttClientAdapterFactory _inner = new MqttClientAdapterFactory();
    private DeliveryGate? _current;

    public GatedAdapterFactory(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>PUBLISH packets each connection's gate lets MQTTnet hold before the callback takes them.</summary>
    public int Capacity { get; }

    /// <summary>The newest connection's gate (null before the first connect).</summary>
    public DeliveryGate? Current => Volatile.Read(ref _current);

    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        var gate = new DeliveryGate(Capacity);
        var adapter = new GatedChannelAdapter(_inner.CreateClientAdapter(options, packetInspector, logger), gate);
        Volatile.Write(ref _current, gate);
        return adapter;
    }
}
