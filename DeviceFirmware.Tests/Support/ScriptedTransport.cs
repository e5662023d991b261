using System.Collections;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.Support
{
    /// <summary>An <see cref="IMqttTransport"/> that answers from a script and records what the core did.</summary>
    public sealed class ScriptedTransport : IMqttTransport
    {
        private readonly ArrayList _connectScript = new ArrayList();
        private readonly ArrayList _inbound = new ArrayList();
        private readonly ArrayList _acks = new ArrayList();
        private int _nextMessageId = 1;

        /// <summary>Every publish: "topic|payload|qos|retain".</summary>
        public readonly ArrayList Published = new ArrayList();

        /// <summary>Every subscription filter.</summary>
        public readonly ArrayList Subscribed = new ArrayList();

        /// <summary>The options of the last CONNECT.</summary>
        public MqttConnectOptions LastOptions;

        /// <summary>Number of CONNECTs.</summary>
        public int ConnectCalls;

        /// <summary>Number of DISCONNECTs.</summary>
        public int DisconnectCalls;

        /// <summary>When false, SUBSCRIBE fails.</summary>
        public bool SubscribeSucceeds = true;

        /// <summary>When true, every QoS 1 publish is acknowledged at once.</summary>
        public bool AutoAcknowledge = true;

        /// <summary>QoS 1 publishes to topics starting with this are not acknowledged until <see cref="ReleaseHeld"/> (null: none held).</summary>
        public string HoldAcknowledgementsOf;

        /// <summary>A publish to a topic starting with this throws, as a broken adapter would (null: none).</summary>
        public string ThrowOnPublishTo;

        private readonly ArrayList _held = new ArrayList();

        /// <summary>Acknowledges the held publishes.</summary>
        public void ReleaseHeld()
        {
            for (int i = 0; i < _held.Count; i++)
            {
                _acks.Add(_held[i]);
            }

            _held.Clear();
        }

        public bool IsConnected { get; set; }

        public int InboundDropped { get; set; }

        /// <summary>Queues the answer to the next CONNECT: success, or a failure class and code.</summary>
        public void ScriptConnect(ConnectFailure failure, int reasonCode)
        {
            _connectScript.Add(new int[] { (int)failure, reasonCode });
        }

        /// <summary>Forgets the connect answers not used yet (later CONNECTs then succeed).</summary>
        public void ClearScript()
        {
            _connectScript.Clear();
        }

        /// <summary>Queues an inbound message.</summary>
        public void Deliver(string topic, byte[] payload)
        {
            _inbound.Add(new object[] { topic, payload });
        }

        /// <summary>The broker drops the connection.</summary>
        public void Drop()
        {
            IsConnected = false;
        }

        public void Connect(MqttConnectOptions options, ConnectResult result)
        {
            ConnectCalls++;
            LastOptions = options;
            int[] answer = _connectScript.Count > 0 ? (int[])_connectScript[0] : new int[] { 0, 0 };
            if (_connectScript.Count > 0)
            {
                _connectScript.RemoveAt(0);
            }

            result.Failure = (ConnectFailure)answer[0];
            result.ReasonCode = answer[1];
            result.Connected = result.Failure == ConnectFailure.None;
            IsConnected = result.Connected;
        }

        public TransportStatus Subscribe(string topicFilter)
        {
            Subscribed.Add(topicFilter);
            return SubscribeSucceeds ? TransportStatus.Ok : TransportStatus.Failed;
        }

        public TransportStatus Publish(string topic, byte[] payload, int offset, int count, int qos, bool retain, out int messageId)
        {
            messageId = 0;
            if (ThrowOnPublishTo != null && topic.StartsWith(ThrowOnPublishTo))
            {
                throw new System.InvalidOperationException("scripted");
            }

            if (!IsConnected)
            {
                return TransportStatus.NotConnected;
            }

            Published.Add(topic + "|" + new string(System.Text.Encoding.UTF8.GetChars(payload, offset, count)) + "|" + qos + "|" + (retain ? "retain" : "-"));
            if (qos == 1)
            {
                messageId = _nextMessageId++;
                if (HoldAcknowledgementsOf != null && topic.StartsWith(HoldAcknowledgementsOf))
                {
                    _held.Add(messageId);
                }
                else if (AutoAcknowledge)
                {
                    _acks.Add(messageId);
                }
            }

            return TransportStatus.Ok;
        }

        public bool TryReceive(InboundMessage message)
        {
            if (_inbound.Count == 0)
            {
                return false;
            }

            object[] next = (object[])_inbound[0];
            _inbound.RemoveAt(0);
            byte[] payload = (byte[])next[1];
            message.Topic = (string)next[0];
            message.OriginalLength = payload.Length;
            message.Oversized = payload.Length > message.Payload.Length;
            message.Length = message.Oversized ? 0 : payload.Length;
            if (!message.Oversized)
            {
                System.Array.Copy(payload, message.Payload, payload.Length);
            }

            return true;
        }

        public bool TryTakeAcknowledged(out int messageId)
        {
            messageId = 0;
            if (_acks.Count == 0)
            {
                return false;
            }

            messageId = (int)_acks[0];
            _acks.RemoveAt(0);
            return true;
        }

        public void Disconnect()
        {
            DisconnectCalls++;
            IsConnected = false;
        }
    }
}
