using System;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// MQTTnet's own channel adapter for one broker connection, with the next packet read only while its
/// <see cref="DeliveryGate"/> has room. MQTTnet's adapter reads the socket (through the TLS stream) one whole packet per
/// <see cref="ReceivePacketAsync"/> and never ahead of it, so while this waits nothing more leaves the kernel's receive
/// buffer: it fills, the TCP window closes, and the broker keeps the rest queued for the session. Sending (PUBACKs,
/// PINGREQ, commands) is never gated. Everything else is MQTTnet's.
/// </summary>
public sealed class GatedChannelAdapter : IMqttChannelAdapter
{
    private readonly IMqttChannelAdapter _inner;

    public GatedChannelAdapter(IMqttChannelAdapter inner, DeliveryGate gate)
    {
        _inner = inner;
        Gate = gate;
    }

    public DeliveryGate Gate { get; }

    public long BytesReceived => _inner.BytesReceived;

    public long BytesSent => _inner.BytesSent;

    public X509Certificate2 ClientCertificate => _inner.ClientCertificate;

    public EndPoint RemoteEndPoint => _inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => _inner.LocalEndPoint;

    public bool IsSecureConnection => _inner.IsSecureConnection;

    public MqttPacketFormatterAdapter PacketFormatterAdapter => _inner.PacketFormatterAdapter;

    public Task ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Gate.Close();
        return _inner.DisconnectAsync(cancellationToken);
    }

    /// <summary>
    /// Waits for room, then reads one packet. Null, as MQTTnet's adapter answers for a closed or cancelled
    /// connection, when the gate closed or the wait was cancelled while waiting.
    /// </summary>
    public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!await Gate.WaitForRoomAsync(cancellationToken).ConfigureAwait(false))
            {
                return null!;
            }
        }
        catch (OperationCanceledException)
        {
            return null!;
        }

        MqttPacket packet = await _inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
        if (packet is MqttPublishPacket)
        {
            Gate.Read();
        }

        return packet;
    }

    public void ResetStatistics() => _inner.ResetStatistics();

    public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => _inner.SendPacketAsync(packet, cancellationToken);

    public void Dispose()
    {
        Gate.Close();
        _inner.Dispose();
    }
}
