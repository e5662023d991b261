using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// The firmware's application logic, the same on an ESP32 and in a virtual device: the connection manager, the
    /// publish limiter, inbound commands, boot tracking and health reports. The platform calls <see cref="Step"/> in a
    /// loop with the monotonic time, the wall-clock time (or -1), the network state and a random value, and sleeps for the
    /// returned milliseconds. Nothing here touches a socket, a clock or the flash directly.
    /// </summary>
    public sealed class DeviceAgent
    {
        /// <summary>Largest inbound payload the agent accepts (larger ones are rejected and counted).</summary>
        public const int MaxInboundPayload = 2048;

        /// <summary>How often free memory is observed between reports, ms.</summary>
        public const long ObserveIntervalMs = 10000;

        private readonly InboundMessage _inbound = new InboundMessage(MaxInboundPayload);
        private readonly ThrottleCommandParser _throttleParser = new ThrottleCommandParser();
        private readonly HealthReport _report = new HealthReport();
        private readonly byte[] _reportBuffer = new byte[HealthReport.MaxJsonBytes];
        private readonly ReportSchedule _schedule;
        private bool _reportPending;
        private int _healthMessageId = -1;
        private long _nextObserveMs;
        private int _invalidEventsPublished;

        /// <summary>Creates the agent for <paramref name="config"/> over the platform's transport, flash and sensors.</summary>
        public DeviceAgent(DeviceConfig config, IMqttTransport transport, IFileStore store, BackoffConfig backoff, IHealthSource sensors, RunningApplication application)
        {
            if (config == null || transport == null || store == null || backoff == null || sensors == null || application == null)
            {
                throw new System.ArgumentNullException("config");
            }

            Config = config;
            Store = store;
            Application = application;
            Limiter = new PublishLimiter();
            Connection = new ConnectionManager(config, transport, new ReconnectPolicy(backoff), store);
            Boot = new BootTracker(store);
            Health = new HealthSampler(sensors, Connection, Limiter, Boot, application);
            _schedule = new ReportSchedule(config.TelemetryIntervalSeconds);
        }

        /// <summary>The configuration.</summary>
        public DeviceConfig Config { get; private set; }

        /// <summary>The flash store.</summary>
        public IFileStore Store { get; private set; }

        /// <summary>What is running.</summary>
        public RunningApplication Application { get; private set; }

        /// <summary>The connection manager.</summary>
        public ConnectionManager Connection { get; private set; }

        /// <summary>The publish limiter.</summary>
        public PublishLimiter Limiter { get; private set; }

        /// <summary>Boot count and reason.</summary>
        public BootTracker Boot { get; private set; }

        /// <summary>The health sampler (its snapshot is the last report's content).</summary>
        public HealthSampler Health { get; private set; }

        /// <summary>Throttle commands applied since boot.</summary>
        public int ThrottleCommandsApplied { get; private set; }

        /// <summary>Health reports the broker acknowledged since boot (a health criterion for confirming an update).</summary>
        public int HealthReportsAcknowledged { get; private set; }

        /// <summary>The bytes of the last health report sent (valid until the next one).</summary>
        public byte[] LastReport
        {
            get { return _reportBuffer; }
        }

        /// <summary>Length of the last health report sent.</summary>
        public int LastReportLength { get; private set; }

        /// <summary>Restores persisted state and counts the boot. Call once at boot.</summary>
        public void Start(long nowMs, bool wokeFromDeepSleep)
        {
            Boot.OnBoot(wokeFromDeepSleep);
            Connection.Start();
            Health.Start(nowMs);
            _schedule.Start(nowMs);
            _nextObserveMs = nowMs;
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

            CountAcknowledgements();
            if (nowMs >= _nextObserveMs)
            {
                Health.Observe(nowMs);
                _nextObserveMs = nowMs + ObserveIntervalMs;
            }

            if (Health.CheckAnomaly())
            {
                _schedule.RequestNow(nowMs);
            }

            if (Connection.State == ConnectionState.Connected)
            {
                Report(nowMs, utcSeconds, random);
                PublishInvalidReadingEvents(nowMs);
                long untilReport = _reportPending ? 1000 : _schedule.MillisecondsUntilDue(nowMs);
                sleep = untilReport < sleep ? untilReport : sleep;
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

        private void Report(long nowMs, long utcSeconds, uint random)
        {
            if (!_schedule.IsDue(nowMs))
            {
                return;
            }

            HealthSnapshot snapshot = Health.Sample(nowMs, utcSeconds, _schedule.Early);
            int length = Config.TelemetryCbor
                ? _report.EncodeCbor(snapshot, _reportBuffer, 0, _reportBuffer.Length)
                : _report.EncodeJson(snapshot, _reportBuffer, 0, _reportBuffer.Length);
            int messageId;
            PublishDecision decision = Publish(MessageClass.Telemetry, Connection.Topics.Health, _reportBuffer, 0, length, 1, _reportPending, nowMs, out messageId);
            if (decision == PublishDecision.Send)
            {
                Health.Commit(nowMs);
                _schedule.OnReported(nowMs, random);
                _healthMessageId = messageId;
                LastReportLength = length;
                _reportPending = false;
            }
            else
            {
                // Delayed: nothing is queued; the next attempt samples again, so only the newest report ever goes out.
                _reportPending = true;
            }
        }

        private void PublishInvalidReadingEvents(long nowMs)
        {
            if (Health.InvalidReadingEvents == _invalidEventsPublished)
            {
                return;
            }

            byte[] payload = InvalidReadingEvent;
            int messageId;
            PublishDecision decision = Publish(MessageClass.Event, Connection.Topics.Events, payload, 0, payload.Length, 1, false, nowMs, out messageId);
            if (decision != PublishDecision.Delay)
            {
                _invalidEventsPublished = Health.InvalidReadingEvents;
            }
        }

        private static readonly byte[] InvalidReadingEvent = new byte[]
        {
            (byte)'{', (byte)'"', (byte)'e', (byte)'"', (byte)':', (byte)'"', (byte)'i', (byte)'n', (byte)'v', (byte)'a', (byte)'l',
            (byte)'i', (byte)'d', (byte)'-', (byte)'r', (byte)'e', (byte)'a', (byte)'d', (byte)'i', (byte)'n', (byte)'g', (byte)'"', (byte)'}',
        };

        private void CountAcknowledgements()
        {
            int messageId;
            while (Connection.TryTakeAcknowledged(out messageId))
            {
                if (messageId == _healthMessageId)
                {
                    HealthReportsAcknowledged++;
                    _healthMessageId = -1;
                }
            }
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
