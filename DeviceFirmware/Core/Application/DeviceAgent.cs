using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// The firmware's application logic, the same on an ESP32 and in a virtual device: it owns the connection manager,
    /// the publish limiter and the handling of inbound commands. The platform calls <see cref="Step"/> in a loop with the
    /// monotonic time, the wall-clock time (or -1), the network state and a random value, and sleeps for the returned
    /// milliseconds. Nothing here touches a socket, a clock or the flash directly.
    /// </summary>
    public sealed class DeviceAgent
    {
        /// <summary>Largest inbound payload the agent accepts (larger ones are rejected and counted).</summary>
        public const int MaxInboundPayload = 2048;

        private readonly InboundMessage _inbound = new InboundMessage(MaxInboundPayload);
        private readonly ThrottleCommandParser _throttleParser = new ThrottleCommandParser();

        /// <summary>Creates the agent for <paramref name="config"/> over the platform's transport and flash.</summary>
        public DeviceAgent(DeviceConfig config, IMqttTransport transport, IFileStore store, BackoffConfig backoff)
        {
            if (config == null || transport == null || store == null || backoff == null)
            {
                throw new System.ArgumentNullException("config");
            }

            Config = config;
            Store = store;
            Limiter = new PublishLimiter();
            Connection = new ConnectionManager(config, transport, new ReconnectPolicy(backoff), store);
        }

        /// <summary>The configuration.</summary>
        public DeviceConfig Config { get; private set; }

        /// <summary>The flash store.</summary>
        public IFileStore Store { get; private set; }

        /// <summary>The connection manager.</summary>
        public ConnectionManager Connection { get; private set; }

        /// <summary>The publish limiter.</summary>
        public PublishLimiter Limiter { get; private set; }

        /// <summary>Throttle commands applied since boot.</summary>
        public int ThrottleCommandsApplied { get; private set; }

        /// <summary>Restores persisted state. Call once at boot.</summary>
        public void Start()
        {
            Connection.Start();
        }

        /// <summary>Runs the agent once; returns the milliseconds the platform may sleep before the next call.</summary>
        public long Step(long nowMs, long utcSeconds, bool networkUp, uint random)
        {
            long sleep = Connection.Step(nowMs, utcSeconds, networkUp, random);
            Limiter.SafeMode = Connection.Policy.SafeMode;
            int handled = 0;
            while (handled < 8 && Connection.TryReceive(_inbound))
            {
                Handle(nowMs, utcSeconds);
                handled++;
            }

            return handled == 8 ? 0 : sleep;
        }

        /// <summary>Publishes one message of <paramref name="messageClass"/> if the limiter allows it.</summary>
        /// <returns>The limiter's decision; <see cref="PublishDecision.Delay"/> also when offline.</returns>
        public PublishDecision Publish(MessageClass messageClass, string topic, byte[] payload, int offset, int count, int qos, bool retry, long nowMs, out int messageId)
        {
            messageId = 0;
            if (Connection.State != ConnectionState.Connected)
            {
                return PublishDecision.Delay;
            }

            PublishDecision decision = Limiter.Decide(messageClass, nowMs, retry);
            if (decision == PublishDecision.Send && Connection.Publish(topic, payload, offset, count, qos, false, out messageId) != TransportStatus.Ok)
            {
                return PublishDecision.Delay;
            }

            return decision;
        }

        private void Handle(long nowMs, long utcSeconds)
        {
            string leaf = Connection.Topics.DownLeaf(_inbound.Topic);
            if (leaf == null || _inbound.Oversized)
            {
                Connection.Counters.InboundRejected++;
                return;
            }

            if (leaf == Topics.ThrottleLeaf)
            {
                ThrottleCommand command;
                if (!ConnectionManager.IsTimeValid(utcSeconds)
                    || _throttleParser.TryParse(_inbound.Payload, 0, _inbound.Length, utcSeconds, out command) != DocumentStatus.Valid)
                {
                    Connection.Counters.InboundRejected++;
                    return;
                }

                Connection.ApplyThrottle(command, nowMs, utcSeconds);
                Limiter.Throttle(nowMs, command.RatePerHour, nowMs + ((command.UntilUtc - utcSeconds) * 1000));
                ThrottleCommandsApplied++;
                return;
            }

            Connection.Counters.InboundRejected++;
        }
    }
}
