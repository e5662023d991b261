using System;
using System.Collections.Concurrent;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.VirtualDevice.Mqtt;

namespace SecureDevice.VirtualDevice.Transport;

/// <summary>
/// The virtual device's <see cref="IMqttTransport"/>: TCP, TLS 1.2/1.3 with the device certificate (SslStream), and the
/// strict MQTT 3.1.1 codec. The broker certificate must chain to the pinned trust anchor alone (no system roots) and match
/// the host name. A reader thread queues inbound messages and acknowledgements in bounded queues; a timer sends PINGREQ.
/// Failures are classified for the reconnect policy (<see cref="Observe"/>, decided by the core's <see cref="TransportFailure"/> as on the device).
/// </summary>
public sealed class TlsMqttTransport : IMqttTransport, IDisposable
{
    private const int InboundQueueLimit = 32;
    private const int AckQueueLimit = 64;

    private readonly TlsEndpoint _endpoint;
    private readonly object _writeLock = new();
    private readonly ConcurrentQueue<MqttPacket> _inbound = new();
    private readonly AckRing _acks = new(AckQueueLimit); // under _ackLock: the device's ring, the same type
    private readonly object _ackLock = new();
    private TcpClient? _tcp;
    private SslStream? _ssl;
    private Thread? _reader;
    private Timer? _keepAlive;
    private volatile bool _connected;
    private int _nextPacketId;
    private int _pendingSubscribe;
    private MqttPacket? _subAck;
    private long _lastSendTicks;
    private long _lastReceiveTicks;
    private int _keepAliveSeconds;
    private string? _validationFailure;
    private int _inboundDropped;

    public TlsMqttTransport(TlsEndpoint endpoint) => _endpoint = endpoint;

    public bool IsConnected => _connected;

    public int InboundDropped => _inboundDropped;

    /// <summary>Bytes written to and read from the TLS stream (MQTT packets), for on-the-wire comparisons.</summary>
    public long MqttBytesSent { get; private set; }

    public long MqttBytesReceived { get; private set; }

    /// <summary>The TLS version of the current connection.</summary>
    public SslProtocols NegotiatedProtocol { get; private set; }

    public void Connect(MqttConnectOptions options, ConnectResult result)
    {
        Close();
        _validationFailure = null;
        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using (var timeout = new CancellationTokenSource(_endpoint.Timeout))
            {
                tcp.ConnectAsync(_endpoint.ConnectAddress ?? _endpoint.Host, _endpoint.Port, timeout.Token).AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception error) when (error is SocketException or OperationCanceledException or IOException)
        {
            tcp.Dispose();
            TransportSignal signal = error is OperationCanceledException ? TransportSignal.HandshakeTimedOut : TransportSignal.NetworkError;
            Fail(result, TransportFailure.Classify(signal, false, 0, 0), "tcp: " + error.Message);
            return;
        }

        var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        ssl.ReadTimeout = (int)_endpoint.Timeout.TotalMilliseconds;
        ssl.WriteTimeout = (int)_endpoint.Timeout.TotalMilliseconds;
        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = _endpoint.Host,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ClientCertificateContext = SslStreamCertificateContext.Create(_endpoint.ClientCertificate, _endpoint.ClientChain, offline: true),
            RemoteCertificateValidationCallback = ValidateBroker,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        bool handshakeDone = false;
        long connectSent = 0;
        try
        {
            using (var timeout = new CancellationTokenSource(_endpoint.Timeout))
            {
                ssl.AuthenticateAsClientAsync(authentication, timeout.Token).GetAwaiter().GetResult();
            }

            handshakeDone = true;
            NegotiatedProtocol = ssl.SslProtocol;
            byte[] connect = MqttCodec.Connect(options.ClientId, options.KeepAliveSeconds, options.CleanSession, options.WillTopic,
                options.WillMessage == null ? null : System.Text.Encoding.UTF8.GetBytes(options.WillMessage), options.WillQos, options.WillRetain);
            connectSent = Environment.TickCount64;
            ssl.Write(connect);
            ssl.Flush();
            MqttBytesSent += connect.Length;
            MqttPacket connAck = MqttCodec.Read(ssl);
            MqttBytesReceived += connAck.WireLength;
            if (connAck.Type != MqttPacketType.ConnAck)
            {
                throw new MqttProtocolException("expected CONNACK, got " + connAck.Type);
            }

            result.ReasonCode = connAck.ReturnCode;
            if (connAck.ReturnCode != 0)
            {
                ssl.Dispose();
                Fail(result, ConnackClassifier.FromMqtt311(connAck.ReturnCode), "CONNACK " + connAck.ReturnCode);
                result.ReasonCode = connAck.ReturnCode;
                return;
            }
        }
        catch (Exception error) when (error is AuthenticationException or IOException or MqttProtocolException or OperationCanceledException or ObjectDisposedException)
        {
            ssl.Dispose();
            long elapsed = handshakeDone ? Environment.TickCount64 - connectSent : 0;
            ConnectFailure failure = TransportFailure.Classify(Observe(error, handshakeDone, _validationFailure), NegotiatedProtocol == SslProtocols.Tls13,
                elapsed, (long)_endpoint.Timeout.TotalMilliseconds);
            Fail(result, failure, _validationFailure ?? Describe(error));
            return;
        }

        _tcp = tcp;
        _ssl = ssl;
        ssl.ReadTimeout = Timeout.Infinite;
        _keepAliveSeconds = options.KeepAliveSeconds;
        _lastSendTicks = _lastReceiveTicks = Environment.TickCount64;
        _connected = true;
        result.Connected = true;
        result.Failure = ConnectFailure.None;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "mqtt-" + options.ClientId };
        _reader.Start();
        if (_keepAliveSeconds > 0)
        {
            int period = Math.Max(500, _keepAliveSeconds * 1000 / 4);
            _keepAlive = new Timer(_ => KeepAlive(), null, period, period);
        }
    }

    /// <summary>
    /// What was observed (the decision is <see cref="TransportFailure.Classify"/>'s, shared with the device): our own
    /// rejection of the broker certificate; during the handshake an AuthenticationException is the broker's alert, a
    /// cancellation the timeout, anything else a failed handshake; after it, a packet other than CONNACK, or the
    /// connection ending (closed, reset, alert, read timeout) without one.
    /// </summary>
    public static TransportSignal Observe(Exception error, bool handshakeDone, string? ownValidationFailure)
    {
        if (ownValidationFailure != null)
        {
            return TransportSignal.BrokerCertificateRejected;
        }

        if (!handshakeDone)
        {
            return error is AuthenticationException ? TransportSignal.TlsAlertReceived
                : error is OperationCanceledException ? TransportSignal.HandshakeTimedOut : TransportSignal.HandshakeFailed;
        }

        return error is MqttProtocolException ? TransportSignal.UnexpectedPacket : TransportSignal.NoConnack;
    }

    public TransportStatus Subscribe(string topicFilter)
    {
        if (!_connected)
        {
            return TransportStatus.NotConnected;
        }

        int packetId = NextPacketId();
        lock (_writeLock)
        {
            _subAck = null;
            _pendingSubscribe = packetId;
        }

        if (!Send(MqttCodec.Subscribe(packetId, topicFilter, 1)))
        {
            return TransportStatus.Failed;
        }

        lock (_writeLock)
        {
            long deadline = Environment.TickCount64 + (long)_endpoint.Timeout.TotalMilliseconds;
            while (_subAck == null && _connected)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return TransportStatus.Failed;
                }

                Monitor.Wait(_writeLock, (int)left);
            }

            return _subAck != null && _subAck.GrantedQos.Length == 1 && _subAck.GrantedQos[0] != 0x80 ? TransportStatus.Ok : TransportStatus.Failed;
        }
    }

    public TransportStatus Publish(string topic, byte[] payload, int offset, int count, int qos, bool retain, out int messageId)
    {
        messageId = 0;
        if (!_connected)
        {
            return TransportStatus.NotConnected;
        }

        if (qos == 1)
        {
            messageId = NextPacketId();
        }

        return Send(MqttCodec.Publish(topic, payload.AsSpan(offset, count), qos, retain, messageId)) ? TransportStatus.Ok : TransportStatus.Failed;
    }

    public bool TryReceive(InboundMessage message)
    {
        if (!_inbound.TryDequeue(out MqttPacket? packet))
        {
            return false;
        }

        message.Topic = packet.Topic;
        message.OriginalLength = packet.Payload.Length;
        message.Oversized = packet.Payload.Length > message.Payload.Length;
        message.Length = message.Oversized ? 0 : packet.Payload.Length;
        if (!message.Oversized)
        {
            packet.Payload.CopyTo(message.Payload, 0);
        }

        return true;
    }

    public bool TryTakeAcknowledged(out int messageId)
    {
        lock (_ackLock)
        {
            return _acks.TryTake(out messageId);
        }
    }

    public void Disconnect()
    {
        if (_connected)
        {
            Send(MqttCodec.Disconnect());
        }

        Close();
    }

    /// <summary>Drops the connection without DISCONNECT (the broker then publishes the will): a simulated power cut or crash.</summary>
    public void Abort() => Close();

    public void Dispose() => Close();

    private bool ValidateBroker(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate == null)
        {
            _validationFailure = "no broker certificate";
            return false;
        }

        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            _validationFailure = "broker certificate does not match host " + _endpoint.Host;
            return false;
        }

        // Trust only the pinned anchor: a broker certificate from any other CA, system roots included, is refused.
        using var pinned = new X509Chain();
        pinned.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        pinned.ChainPolicy.CustomTrustStore.Add(_endpoint.TrustAnchor);
        pinned.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        pinned.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        if (chain != null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                pinned.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        bool valid = pinned.Build(new X509Certificate2(certificate));
        if (!valid)
        {
            _validationFailure = "broker certificate does not chain to the pinned CA";
        }

        return valid;
    }

    private void ReadLoop()
    {
        SslStream? ssl = _ssl;
        try
        {
            while (_connected && ssl != null)
            {
                MqttPacket packet = MqttCodec.Read(ssl);
                MqttBytesReceived += packet.WireLength;
                Interlocked.Exchange(ref _lastReceiveTicks, Environment.TickCount64);
                switch (packet.Type)
                {
                    case MqttPacketType.Publish:
                        if (packet.Qos == 1)
                        {
                            Send(MqttCodec.PubAck(packet.PacketId));
                        }

                        if (_inbound.Count >= InboundQueueLimit)
                        {
                            Interlocked.Increment(ref _inboundDropped);
                        }
                        else
                        {
                            _inbound.Enqueue(packet);
                        }

                        break;
                    case MqttPacketType.PubAck:
                        lock (_ackLock)
                        {
                            _acks.TryAdd(packet.PacketId); // full: refused and counted, never grown
                        }

                        break;
                    case MqttPacketType.SubAck:
                        lock (_writeLock)
                        {
                            if (packet.PacketId == _pendingSubscribe)
                            {
                                _subAck = packet;
                                Monitor.PulseAll(_writeLock);
                            }
                        }

                        break;
                    case MqttPacketType.PingResp:
                        break;
                    default:
                        throw new MqttProtocolException("unexpected " + packet.Type);
                }
            }
        }
        catch (Exception error) when (error is IOException or MqttProtocolException or ObjectDisposedException or InvalidOperationException or AuthenticationException)
        {
        }
        finally
        {
            Lost();
        }
    }

    private void KeepAlive()
    {
        if (!_connected)
        {
            return;
        }

        long now = Environment.TickCount64;
        if (now - Interlocked.Read(ref _lastReceiveTicks) > _keepAliveSeconds * 1500L)
        {
            // No packet from the broker for 1.5 keep-alive periods (§3.1.2.10): the connection is dead.
            Close();
            return;
        }

        if (now - Interlocked.Read(ref _lastSendTicks) >= _keepAliveSeconds * 500L)
        {
            Send(MqttCodec.PingReq());
        }
    }

    private bool Send(byte[] packet)
    {
        lock (_writeLock)
        {
            SslStream? ssl = _ssl;
            if (ssl == null || !_connected)
            {
                return false;
            }

            try
            {
                ssl.Write(packet);
                ssl.Flush();
                MqttBytesSent += packet.Length;
                Interlocked.Exchange(ref _lastSendTicks, Environment.TickCount64);
                return true;
            }
            catch (Exception error) when (error is IOException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
            {
                _connected = false;
                return false;
            }
        }
    }

    private int NextPacketId()
    {
        int id = Interlocked.Increment(ref _nextPacketId) & 0xFFFF;
        return id == 0 ? Interlocked.Increment(ref _nextPacketId) & 0xFFFF : id;
    }

    private void Lost()
    {
        _connected = false;
        lock (_writeLock)
        {
            Monitor.PulseAll(_writeLock);
        }
    }

    private void Close()
    {
        _connected = false;
        _keepAlive?.Dispose();
        _keepAlive = null;
        lock (_writeLock)
        {
            _ssl?.Dispose();
            _ssl = null;
            Monitor.PulseAll(_writeLock);
        }

        _tcp?.Dispose();
        _tcp = null;
        if (_reader != null && _reader != Thread.CurrentThread)
        {
            _reader.Join(2000);
        }

        _reader = null;
        while (_inbound.TryDequeue(out _))
        {
        }

        lock (_ackLock)
        {
            _acks.Clear();
        }
    }

    private static void Fail(ConnectResult result, ConnectFailure failure, string detail)
    {
        result.Connected = false;
        result.Failure = failure;
        result.Detail = detail;
    }

    private static string Describe(Exception error) =>
        error.GetType().Name + ": " + error.Message + (error.InnerException != null ? " (" + error.InnerException.Message + ")" : string.Empty);
}
