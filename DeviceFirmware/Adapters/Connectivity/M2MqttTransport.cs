using System;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Exceptions;
using nanoFramework.M2Mqtt.Messages;
using SecureDevice.Core;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Adapters.Connectivity
{
    /// <summary>
    /// <see cref="IMqttTransport"/> over nanoFramework's M2Mqtt (MQTT 3.1.1 over TLS). The device certificate and its key
    /// come from the board's certificate store (written by nanoff's network deployment; M2Mqtt uses it when no client
    /// certificate is passed); the broker must chain to the pinned CA given here. Each <see cref="Connect"/> creates a new
    /// MqttClient (its constructor resolves the broker name). M2Mqtt raises its events on its own threads: they only
    /// copy into bounded rings under a lock, which the core drains by polling. Mirrors the host's TlsMqttTransport:
    /// same queues, same drop counting, same failure classes as far as the device can observe them (see
    /// <see cref="Observe"/> and <see cref="TransportFailure"/>).
    /// </summary>
    public sealed class M2MqttTransport : IMqttTransport
    {
        private readonly string _brokerHost;
        private readonly int _brokerPort;
        private readonly X509Certificate _brokerCa;
        private readonly MqttSslProtocols _protocol;
        private readonly int _subscribeTimeoutMilliseconds;
        private readonly InflightWindow _inflight;
        private readonly object _lock = new object();
        private readonly AutoResetEvent _subscribeAnswered = new AutoResetEvent(false);

        private readonly string[] _inboundTopics;
        private readonly byte[][] _inboundPayloads;
        private int _inboundHead;
        private int _inboundCount;
        private int _inboundDropped;

        private readonly AckRing _acknowledged;

        private MqttClient _client;
        private int _pendingSubscribe = -1;
        private bool _subscribeGranted;

        /// <summary>Room kept in M2Mqtt's own queue beyond the QoS 1 window, for QoS 0 messages waiting to be sent.</summary>
        private const int QueueHeadroom = 4;

        /// <summary>Creates a transport; nothing is opened until <see cref="Connect"/>.</summary>
        /// <param name="brokerHost">Broker DNS name (must match its certificate) or IPv4 address.</param>
        /// <param name="brokerPort">Broker TLS port, usually 8883.</param>
        /// <param name="brokerCa">The CA the broker certificate must chain to (parsed from the CA PEM file; owned by the
        /// caller, kept for the transport's life). Note that the firmware also trusts the CA certificates in the device
        /// store.</param>
        /// <param name="options">Queue sizes, TLS version and timeouts (validated).</param>
        public M2MqttTransport(string brokerHost, int brokerPort, X509Certificate brokerCa, M2MqttTransportOptions options)
        {
            if (brokerHost == null || brokerHost.Length == 0)
            {
                throw new ArgumentException("broker host required", "brokerHost");
            }

            if (brokerCa == null || options == null)
            {
                throw new ArgumentNullException("brokerCa");
            }

            options.Validate();
            _brokerHost = brokerHost;
            _brokerPort = brokerPort;
            _brokerCa = brokerCa;
            _protocol = options.Protocol;
            _subscribeTimeoutMilliseconds = options.SubscribeTimeoutMilliseconds;
            _inflight = new InflightWindow(options.InflightCapacity);
            _inboundTopics = new string[options.InboundCapacity];
            _inboundPayloads = new byte[options.InboundCapacity][];
            _acknowledged = new AckRing(options.AcknowledgementCapacity);
        }

        /// <summary>QoS 1 messages handed to M2Mqtt and not yet acknowledged.</summary>
        public int InFlight
        {
            get
            {
                lock (_lock)
                {
                    return _inflight.Count;
                }
            }
        }

        /// <inheritdoc />
        public bool IsConnected
        {
            get
            {
                // M2Mqtt clears IsConnected as soon as it sees the connection die (read error, missed PINGRESP).
                MqttClient client = _client;
                return client != null && client.IsConnected;
            }
        }

        /// <inheritdoc />
        public int InboundDropped
        {
            get { return _inboundDropped; }
        }

        /// <inheritdoc />
        public void Connect(MqttConnectOptions options, ConnectResult result)
        {
            // A previous connection is dropped without DISCONNECT, as in the host transport (the broker publishes the will).
            Abandon();
            result.Connected = false;
            result.ReasonCode = -1;

            MqttClient client;
            try
            {
                // The constructor resolves the broker name (MqttNetworkChannel calls Dns.GetHostEntry).
                client = new MqttClient(_brokerHost, _brokerPort, true, _brokerCa, null, _protocol);
            }
            catch (Exception error)
            {
                Fail(result, TransportFailure.Classify(TransportSignal.ResolveFailed, false, 0, 0), "dns: " + Describe(error));
                return;
            }

            // M2Mqtt's queue is larger than our window by the headroom: Publish never meets a full queue (see Publish).
            client.Settings.InflightQueueSize = _inflight.Capacity + QueueHeadroom;
            client.MqttMsgPublishReceived += OnPublishReceived;
            client.MqttMsgPublished += OnPublished;
            client.MqttMsgSubscribed += OnSubscribed;
            client.ConnectionClosed += OnConnectionClosed;

            // Current before CONNECT: messages a persistent session delivers right after CONNACK are already
            // acknowledged by M2Mqtt, so the handlers must not discard them as coming from a stale client.
            lock (_lock)
            {
                ClearQueues();
                _client = client;
            }

            long started = Environment.TickCount64;
            MqttReasonCode code;
            try
            {
                code = client.Connect(
                    options.ClientId,
                    null,
                    null,
                    options.WillRetain,
                    options.WillQos == 1 ? MqttQoSLevel.AtLeastOnce : MqttQoSLevel.AtMostOnce,
                    options.WillTopic != null,
                    options.WillTopic,
                    options.WillMessage,
                    options.CleanSession,
                    (ushort)options.KeepAliveSeconds);
            }
            catch (Exception error)
            {
                Abandon();
                Fail(result, TransportFailure.Classify(Observe(error), _protocol == MqttSslProtocols.TLSv1_3, Environment.TickCount64 - started, MqttSettings.DefaultTimeout), Describe(error));
                return;
            }

            result.ReasonCode = (int)code;
            if (code != MqttReasonCode.Success)
            {
                Abandon();
                Fail(result, ConnackClassifier.FromMqtt311((int)code), "CONNACK " + (int)code);
                return;
            }

            result.Connected = true;
            result.Failure = ConnectFailure.None;
            result.Detail = null;
        }

        /// <inheritdoc />
        public TransportStatus Subscribe(string topicFilter)
        {
            MqttClient client = _client;
            if (client == null || !client.IsConnected)
            {
                return TransportStatus.NotConnected;
            }

            try
            {
                // Under the lock, so the SUBACK handler (which takes it too) cannot run before the packet id is known.
                lock (_lock)
                {
                    _subscribeGranted = false;
                    _subscribeAnswered.Reset();
                    _pendingSubscribe = client.Subscribe(new string[] { topicFilter }, new MqttQoSLevel[] { MqttQoSLevel.AtLeastOnce });
                }
            }
            catch (Exception)
            {
                return TransportStatus.Failed;
            }

            bool answered = _subscribeAnswered.WaitOne(_subscribeTimeoutMilliseconds, false);
            lock (_lock)
            {
                _pendingSubscribe = -1;
                return answered && _subscribeGranted ? TransportStatus.Ok : TransportStatus.Failed;
            }
        }

        /// <inheritdoc />
        public TransportStatus Publish(string topic, byte[] payload, int offset, int count, int qos, bool retain, out int messageId)
        {
            ByteRange.Check(payload, offset, count);
            messageId = 0;
            MqttClient client = _client;
            if (client == null || !client.IsConnected)
            {
                return TransportStatus.NotConnected;
            }

            // M2Mqtt 5.1.220 adds a QoS 1 message id to its wait list before it finds its queue full, and never removes it: a
            // publish is made only with a slot of our window, which is smaller than M2Mqtt's queue, so it never is full.
            if (qos == 1)
            {
                lock (_lock)
                {
                    if (client != _client || !_inflight.TryReserve())
                    {
                        return TransportStatus.Busy;
                    }
                }
            }

            // M2Mqtt keeps the array until the packet is sent (and resent), while the caller reuses its buffer.
            byte[] copy = new byte[count];
            Array.Copy(payload, offset, copy, 0, count);
            TransportStatus status;
            ushort id = 0;
            try
            {
                id = client.Publish(topic, copy, null, null, qos == 1 ? MqttQoSLevel.AtLeastOnce : MqttQoSLevel.AtMostOnce, retain);
                status = TransportStatus.Ok;
            }
            catch (MqttClientException error)
            {
                status = error.ErrorCode == MqttClientErrorCode.InflightQueueFull ? TransportStatus.Busy : TransportStatus.Failed;
            }
            catch (Exception)
            {
                status = TransportStatus.Failed;
            }

            if (qos == 1)
            {
                lock (_lock)
                {
                    // A reconnect meanwhile cleared the window along with the old client's reservation.
                    if (client == _client)
                    {
                        if (status == TransportStatus.Ok)
                        {
                            _inflight.Commit(id);
                        }
                        else
                        {
                            _inflight.Cancel();
                        }
                    }
                }

                messageId = status == TransportStatus.Ok ? id : 0;
            }

            return status;
        }

        /// <inheritdoc />
        public bool TryReceive(InboundMessage message)
        {
            string topic;
            byte[] payload;
            lock (_lock)
            {
                if (_inboundCount == 0)
                {
                    return false;
                }

                topic = _inboundTopics[_inboundHead];
                payload = _inboundPayloads[_inboundHead];
                _inboundTopics[_inboundHead] = null;
                _inboundPayloads[_inboundHead] = null;
                _inboundHead = (_inboundHead + 1) % _inboundTopics.Length;
                _inboundCount--;
            }

            message.Topic = topic;
            message.OriginalLength = payload.Length;
            message.Oversized = payload.Length > message.Payload.Length;
            message.Length = message.Oversized ? 0 : payload.Length;
            if (!message.Oversized)
            {
                Array.Copy(payload, 0, message.Payload, 0, payload.Length);
            }

            return true;
        }

        /// <inheritdoc />
        public bool TryTakeAcknowledged(out int messageId)
        {
            lock (_lock)
            {
                return _acknowledged.TryTake(out messageId);
            }
        }

        /// <inheritdoc />
        public void Disconnect()
        {
            MqttClient client;
            lock (_lock)
            {
                client = _client;
                _client = null;
                ClearQueues();
            }

            if (client == null)
            {
                return;
            }

            try
            {
                if (client.IsConnected)
                {
                    // Sends DISCONNECT: the broker discards the will.
                    client.Disconnect();
                }
            }
            catch (Exception)
            {
                // The connection was already gone; closing below releases what is left.
            }

            Release(client);
        }

        /// <summary>
        /// Translates an exception from M2Mqtt's Connect into what was observed (the decision is
        /// <see cref="TransportFailure.Classify"/>'s): MqttConnectionException is raised around TCP connect and the TLS
        /// handshake, before anything was sent; MqttCommunicationException after CONNECT, wrapping MqttClientException
        /// when the broker answered with a packet other than CONNACK.
        /// </summary>
        private static TransportSignal Observe(Exception error)
        {
            if (error is MqttConnectionException)
            {
                Exception inner = error.InnerException;
                SocketException socket = inner as SocketException;
                if (socket != null)
                {
                    return TransportFailure.FromSocketCode(socket.ErrorCode);
                }

                // Current firmware raises CryptographicException (a type outside the listed API, so its mbedTLS code is
                // unreadable): the device cannot tell whether it refused the broker or the broker refused it.
                return inner is OutOfMemoryException ? TransportSignal.OutOfMemory : TransportSignal.HandshakeFailed;
            }

            if (error is MqttCommunicationException)
            {
                return error.InnerException is MqttClientException ? TransportSignal.UnexpectedPacket : TransportSignal.NoConnack;
            }

            return error is MqttClientException ? TransportSignal.UnexpectedPacket : TransportSignal.Other;
        }

        private void OnPublishReceived(object sender, MqttMsgPublishEventArgs e)
        {
            lock (_lock)
            {
                if (sender != _client)
                {
                    return;
                }

                if (_inboundCount == _inboundTopics.Length)
                {
                    // M2Mqtt has already acknowledged a QoS 1 message; a full queue drops it and counts, never grows.
                    _inboundDropped++;
                    return;
                }

                int tail = (_inboundHead + _inboundCount) % _inboundTopics.Length;
                _inboundTopics[tail] = e.Topic;
                _inboundPayloads[tail] = e.Message == null ? new byte[0] : e.Message;
                _inboundCount++;
            }
        }

        private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
        {
            // Raised only for QoS 1/2: IsPublished is true for a PUBACK and false when M2Mqtt gave up retrying. Either way
            // M2Mqtt is done with the message and its slot is free.
            lock (_lock)
            {
                if (sender != _client)
                {
                    return;
                }

                _inflight.Acknowledge(e.MessageId);
                if (e.IsPublished)
                {
                    _acknowledged.TryAdd(e.MessageId); // full: refused and counted, never grown
                }
            }
        }

        private void OnSubscribed(object sender, MqttMsgSubscribedEventArgs e)
        {
            lock (_lock)
            {
                if (sender != _client || e.MessageId != _pendingSubscribe)
                {
                    return;
                }

                MqttQoSLevel[] granted = e.GrantedQoSLevels;
                _subscribeGranted = granted != null && granted.Length == 1 && granted[0] != MqttQoSLevel.GrantedFailure;
                _subscribeAnswered.Set();
            }
        }

        private void OnConnectionClosed(object sender, EventArgs e)
        {
            lock (_lock)
            {
                if (sender == _client)
                {
                    // Wakes a Subscribe waiting for a SUBACK that can no longer come.
                    _subscribeAnswered.Set();
                }
            }
        }

        /// <summary>Drops the current client, if any, without sending DISCONNECT, and empties the queues.</summary>
        private void Abandon()
        {
            MqttClient client;
            lock (_lock)
            {
                client = _client;
                _client = null;
                ClearQueues();
            }

            if (client != null)
            {
                Release(client);
            }
        }

        /// <summary>Detaches the handlers and closes the client's threads and socket (outside the lock: Close joins threads that may be waiting for it).</summary>
        private void Release(MqttClient client)
        {
            client.MqttMsgPublishReceived -= OnPublishReceived;
            client.MqttMsgPublished -= OnPublished;
            client.MqttMsgSubscribed -= OnSubscribed;
            client.ConnectionClosed -= OnConnectionClosed;
            try
            {
                client.Close();
            }
            catch (Exception)
            {
                // Close is best effort (it already swallows its own failures).
            }
        }

        private void ClearQueues()
        {
            for (int i = 0; i < _inboundTopics.Length; i++)
            {
                _inboundTopics[i] = null;
                _inboundPayloads[i] = null;
            }

            _inboundHead = 0;
            _inboundCount = 0;
            _acknowledged.Clear();
            _inflight.Clear();
        }

        private static void Fail(ConnectResult result, ConnectFailure failure, string detail)
        {
            result.Connected = false;
            result.Failure = failure;
            result.Detail = detail;
        }

        private static string Describe(Exception error)
        {
            Exception inner = error.InnerException;
            return error.GetType().Name + ": " + error.Message + (inner != null ? " (" + inner.GetType().Name + ": " + inner.Message + ")" : string.Empty);
        }
    }
}
