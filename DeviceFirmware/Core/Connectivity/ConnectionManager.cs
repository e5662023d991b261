using SecureDevice.Core.Config;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Time;

namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// Keeps the device connected to its broker without ever flooding it. Each <see cref="Step"/> does at most one network
    /// action through <see cref="IMqttTransport"/> and returns how long the caller may sleep; it never sleeps or reads a
    /// clock itself. Order of business: network up, then trusted time (certificate validity needs it), then an attempt when
    /// the <see cref="ReconnectPolicy"/> allows it; once connected it subscribes to <c>{prefix}/{id}/down/#</c> and publishes a
    /// retained "online" on the status topic, whose last will is a retained "offline". Loss is detected through the
    /// transport and handed to the policy. Failures are classified (network, TLS, authentication, refused) and counted.
    /// The policy's state is persisted whenever it changes.
    /// </summary>
    public sealed class ConnectionManager
    {
        /// <summary>Status payload while connected.</summary>
        public const string OnlineMessage = "online";

        /// <summary>Status payload of the last will and of a planned disconnect.</summary>
        public const string OfflineMessage = "offline";

        /// <summary>How often to step while waiting for network or time, or while connected, ms.</summary>
        public const long IdleStepMs = 1000;

        private readonly DeviceConfig _config;
        private readonly IMqttTransport _transport;
        private readonly ReconnectPolicy _policy;
        private readonly RecordStore _policyStore;
        private readonly RecordWriter _recordWriter = new RecordWriter(new byte[ReconnectPolicy.RecordSize]);
        private readonly MqttConnectOptions _options = new MqttConnectOptions();
        private readonly ConnectResult _result = new ConnectResult();
        private readonly byte[] _online;
        private readonly byte[] _offline;
        private readonly int[] _acknowledged = new int[16];
        private int _acknowledgedHead;
        private int _acknowledgedCount;
        private bool _started;
        private bool _policyBooted;
        private bool _plannedBoot;
        private long _lastUtc = -1;

        /// <summary>Creates the manager. <paramref name="store"/> holds the persisted policy at "state/reconnect".</summary>
        public ConnectionManager(DeviceConfig config, IMqttTransport transport, ReconnectPolicy policy, IFileStore store)
        {
            if (config == null || transport == null || policy == null || store == null)
            {
                throw new System.ArgumentNullException("config");
            }

            _config = config;
            _transport = transport;
            _policy = policy;
            _policyStore = new RecordStore(store, "state/reconnect", ReconnectPolicy.RecordSize);
            Topics = new Topics(config.TopicPrefix, config.DeviceId);
            Counters = new ConnectionCounters();
            _online = Ascii(OnlineMessage);
            _offline = Ascii(OfflineMessage);
            _options.ClientId = config.DeviceId;
            _options.KeepAliveSeconds = config.KeepAliveSeconds;
            _options.WillTopic = Topics.Status;
            _options.WillMessage = OfflineMessage;
            _options.WillQos = 1;
            _options.WillRetain = true;
            _options.CleanSession = true;
        }

        /// <summary>The device's topics.</summary>
        public Topics Topics { get; private set; }

        /// <summary>Counters since boot.</summary>
        public ConnectionCounters Counters { get; private set; }

        /// <summary>MQTT keep-alive, seconds.</summary>
        public int KeepAliveSeconds
        {
            get { return _config.KeepAliveSeconds; }
        }

        /// <summary>The reconnect policy (read-only use: telemetry).</summary>
        public ReconnectPolicy Policy
        {
            get { return _policy; }
        }

        /// <summary>Current state.</summary>
        public ConnectionState State { get; private set; }

        /// <summary>Class of the last failed attempt (None after a success).</summary>
        public ConnectFailure LastFailure { get; private set; }

        /// <summary>Authentication failures the broker reported before the current connection, to report once in telemetry.</summary>
        public int AuthenticationFailuresReported { get; private set; }

        /// <summary>Storage failures while persisting the policy (the device keeps running on its in-memory state).</summary>
        public int PersistFailures { get; private set; }

        /// <summary>Whole days until the device certificate expires at <paramref name="utcSeconds"/> (negative once expired).</summary>
        public int CertificateDaysLeft(long utcSeconds)
        {
            long seconds = _config.CertificateNotAfterUtc - utcSeconds;
            return (int)(seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400));
        }

        /// <summary>Restores the persisted policy. Call once at boot.</summary>
        public void Start()
        {
            Start(false);
        }

        /// <summary>As <see cref="Start()"/>; <paramref name="plannedBoot"/> says the firmware rebooted on purpose (see <see cref="ReconnectPolicy.OnBoot(long, long, uint, bool)"/>).</summary>
        public void Start(bool plannedBoot)
        {
            _plannedBoot = plannedBoot;
            bool found;
            if (_policyStore.Load(out found) == StorageStatus.Ok && found)
            {
                _policy.TryReadRecord(_policyStore.Payload, _policyStore.PayloadOffset, _policyStore.PayloadLength);
            }

            _started = true;
            State = ConnectionState.WaitingForNetwork;
        }

        /// <summary>Does at most one network action at <paramref name="input"/> (time, wall clock, network, random).</summary>
        /// <returns>Milliseconds until the next step is useful (the caller may also step earlier).</returns>
        public long Step(StepInput input)
        {
            if (!_started)
            {
                throw new System.InvalidOperationException("call Start first");
            }

            long nowMs = input.NowMs;
            long utcSeconds = input.UtcSeconds;
            uint random = input.Random;
            _lastUtc = utcSeconds;
            if (State == ConnectionState.Connected)
            {
                if (!_transport.IsConnected)
                {
                    Counters.Disconnects++;
                    _policy.OnDisconnected(nowMs, random);
                    State = ConnectionState.WaitingToRetry;
                    Persist(nowMs);
                    return Wait(nowMs);
                }

                if (_policy.Tick(nowMs))
                {
                    Persist(nowMs);
                }

                DrainAcknowledgements();
                return IdleStepMs;
            }

            if (!input.NetworkUp)
            {
                State = ConnectionState.WaitingForNetwork;
                return IdleStepMs;
            }

            if (!input.TimeKnown)
            {
                State = ConnectionState.WaitingForTime;
                return IdleStepMs;
            }

            if (!_policyBooted)
            {
                // The boot is counted once trusted time is known, so the reboot-loop window is measured in real time.
                _policy.OnBoot(nowMs, utcSeconds, random, _plannedBoot);
                _policyBooted = true;
                Persist(nowMs);
            }

            if (!_policy.TryBeginAttempt(nowMs))
            {
                State = ConnectionState.WaitingToRetry;
                return Wait(nowMs);
            }

            Counters.Attempts++;
            _result.Clear();
            _transport.Connect(_options, _result);
            if (_result.Connected && !Subscribe())
            {
                _transport.Disconnect();
                _result.Connected = false;
                _result.Failure = ConnectFailure.Refused;
                _result.Detail = "subscription refused";
            }

            if (!_result.Connected)
            {
                ConnectFailure failure = _result.Failure == ConnectFailure.None ? ConnectFailure.Network : _result.Failure;
                CountFailure(failure);
                LastFailure = failure;
                _policy.OnAttemptFailed(nowMs, failure, random);
                State = ConnectionState.WaitingToRetry;
                Persist(nowMs);
                return Wait(nowMs);
            }

            Counters.Connects++;
            LastFailure = ConnectFailure.None;
            _policy.OnConnected(nowMs);
            AuthenticationFailuresReported += _policy.TakeAuthenticationFailureReport();
            State = ConnectionState.Connected;
            int messageId;
            Publish(Topics.Status, _online, 0, _online.Length, 1, true, out messageId);
            return 0;
        }

        /// <summary>Applies a validated throttle command to reconnects (the publish limiter is the caller's).</summary>
        public void ApplyThrottle(ThrottleCommand command, long nowMs, long utcSeconds)
        {
            _policy.ApplyThrottleCommand(nowMs, utcSeconds, command.MinIntervalMs, command.UntilUtc);
            Persist(nowMs);
        }

        /// <summary>Publishes and counts the bytes. Only while connected.</summary>
        public TransportStatus Publish(string topic, byte[] payload, int offset, int count, int qos, bool retain, out int messageId)
        {
            messageId = 0;
            if (State != ConnectionState.Connected)
            {
                return TransportStatus.NotConnected;
            }

            TransportStatus status = _transport.Publish(topic, payload, offset, count, qos, retain, out messageId);
            if (status == TransportStatus.Ok)
            {
                Counters.MessagesUp++;
                Counters.PayloadBytesUp += count;
                Counters.TopicBytesUp += topic.Length;
            }

            return status;
        }

        /// <summary>Takes the next inbound message, counting it.</summary>
        public bool TryReceive(InboundMessage message)
        {
            if (!_transport.TryReceive(message))
            {
                return false;
            }

            Counters.MessagesDown++;
            Counters.PayloadBytesDown += message.Oversized ? message.OriginalLength : message.Length;
            Counters.TopicBytesDown += message.Topic == null ? 0 : message.Topic.Length;
            return true;
        }

        /// <summary>Acknowledged QoS 1 message ids, for the caller (e.g. "first health report acknowledged").</summary>
        public bool TryTakeAcknowledged(out int messageId)
        {
            if (_acknowledgedCount > 0)
            {
                messageId = _acknowledged[_acknowledgedHead];
                _acknowledgedHead = (_acknowledgedHead + 1) % _acknowledged.Length;
                _acknowledgedCount--;
                return true;
            }

            messageId = 0;
            return false;
        }

        /// <summary>Planned shutdown: publishes "offline" (retained) and disconnects, so no will is needed.</summary>
        public void Disconnect()
        {
            if (State == ConnectionState.Connected && _transport.IsConnected)
            {
                int messageId;
                _transport.Publish(Topics.Status, _offline, 0, _offline.Length, 1, true, out messageId);
                _transport.Disconnect();
            }

            State = ConnectionState.WaitingToRetry;
        }

        // Acknowledgements are collected while stepping so the transport's bounded queue never fills; the newest 16 are
        // kept for the caller, older ones only counted.
        private void DrainAcknowledgements()
        {
            int messageId;
            while (_transport.TryTakeAcknowledged(out messageId))
            {
                Counters.Acknowledged++;
                if (_acknowledgedCount == _acknowledged.Length)
                {
                    _acknowledgedHead = (_acknowledgedHead + 1) % _acknowledged.Length;
                    _acknowledgedCount--;
                }

                _acknowledged[(_acknowledgedHead + _acknowledgedCount) % _acknowledged.Length] = messageId;
                _acknowledgedCount++;
            }
        }

        private bool Subscribe()
        {
            return _transport.Subscribe(Topics.DownFilter) == TransportStatus.Ok;
        }

        private void CountFailure(ConnectFailure failure)
        {
            switch (failure)
            {
                case ConnectFailure.Tls:
                    Counters.FailedTls++;
                    break;
                case ConnectFailure.Authentication:
                    Counters.FailedAuthentication++;
                    break;
                case ConnectFailure.Refused:
                case ConnectFailure.Throttled:
                    Counters.FailedRefused++;
                    break;
                default:
                    Counters.FailedNetwork++;
                    break;
            }
        }

        private long Wait(long nowMs)
        {
            long wait = _policy.MillisecondsUntilAttempt(nowMs);
            return wait > 0 ? wait : 0;
        }

        private void Persist(long nowMs)
        {
            if (!_policy.Dirty)
            {
                return;
            }

            _recordWriter.Reset();
            _policy.WriteRecord(_recordWriter, nowMs, WallTime.IsValid(_lastUtc) ? _lastUtc : -1);
            if (_policyStore.Save(_recordWriter.Buffer, 0, _recordWriter.Length) != StorageStatus.Ok)
            {
                PersistFailures++;
            }
        }

        private static byte[] Ascii(string text)
        {
            byte[] bytes = new byte[text.Length];
            for (int i = 0; i < text.Length; i++)
            {
                bytes[i] = (byte)text[i];
            }

            return bytes;
        }
    }
}
