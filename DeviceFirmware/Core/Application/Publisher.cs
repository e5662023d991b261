using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// The one path every message of the device takes to the broker: only while connected, and only when the
    /// <see cref="PublishLimiter"/> allows its class. Shared by the agent's reports and events and the <see cref="UpdateLink"/>.
    /// </summary>
    public sealed class Publisher
    {
        private readonly ConnectionManager _connection;
        private readonly PublishLimiter _limiter;

        /// <summary>A publisher over <paramref name="connection"/> limited by <paramref name="limiter"/>.</summary>
        public Publisher(ConnectionManager connection, PublishLimiter limiter)
        {
            _connection = connection;
            _limiter = limiter;
        }

        /// <summary>True while the connection is up (a publish can be tried).</summary>
        public bool Connected
        {
            get { return _connection.State == ConnectionState.Connected; }
        }

        /// <summary>Publishes one message of <paramref name="messageClass"/> if the limiter allows it.</summary>
        /// <returns>The limiter's decision; <see cref="PublishDecision.Delay"/> also when offline or the transport refused.</returns>
        public PublishDecision Publish(MessageClass messageClass, string topic, byte[] payload, int offset, int count, int qos, bool retry, long nowMs, out int messageId)
        {
            messageId = 0;
            if (!Connected)
            {
                return PublishDecision.Delay;
            }

            PublishDecision decision = _limiter.Decide(messageClass, nowMs, retry);
            if (decision == PublishDecision.Send && _connection.Publish(topic, payload, offset, count, qos, false, out messageId) != TransportStatus.Ok)
            {
                return PublishDecision.Delay;
            }

            return decision;
        }
    }
}
