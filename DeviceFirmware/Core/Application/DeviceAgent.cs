using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Update;

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
        private readonly UpdateEventWriter _updateEventWriter = new UpdateEventWriter();
        private readonly byte[] _updateEvent = new byte[UpdateEventWriter.MaxBytes];
        private int _updateEventPublished;
        private long _updateEventRetryMs;
        private long _rebootAskedMs = -1;

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

        /// <summary>The update engine, when updates are enabled (<see cref="AttachUpdates"/>).</summary>
        public UpdateEngine Updates { get; private set; }

        /// <summary>How long a requested reboot waits for its update event to be published, ms.</summary>
        public const long RebootGraceMs = 5000;

        /// <summary>
        /// True when the platform should reboot now: the update engine asked for it (to test a staged slot, or after a
        /// revert) and the event saying so was published or <see cref="RebootGraceMs"/> passed. The platform then calls
        /// <see cref="BootTracker.BeforeReboot"/> with <see cref="RebootReason"/>, disconnects and reboots.
        /// </summary>
        public bool RebootRequested { get; private set; }

        /// <summary>Why the reboot is requested.</summary>
        public BootReason RebootReason
        {
            get { return Updates == null ? BootReason.Planned : Updates.RebootReason; }
        }

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

        /// <summary>
        /// Enables updates: offers on devices/{id}/down/update go to <paramref name="engine"/>, which the agent steps and
        /// whose events it publishes on devices/{id}/up/update. The loader has already called <see cref="UpdateEngine.Start"/>.
        /// </summary>
        public void AttachUpdates(UpdateEngine engine)
        {
            if (engine == null)
            {
                throw new System.ArgumentNullException("engine");
            }

            Updates = engine;
            _updateEventPublished = engine.EventSequence - 1;
        }

        /// <summary>Restores persisted state and counts the boot. Call once at boot.</summary>
        public void Start(long nowMs, bool wokeFromDeepSleep)
        {
            Boot.OnBoot(wokeFromDeepSleep);
            BootReason reason = Boot.Reason;
            Connection.Start(reason == BootReason.Planned || reason == BootReason.Update || reason == BootReason.Revert);
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
            if (Updates != null)
            {
                long updateSleep = StepUpdates(nowMs, utcSeconds, networkUp, random);
                sleep = updateSleep < sleep ? updateSleep : sleep;
            }

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

        private long StepUpdates(long nowMs, long utcSeconds, bool networkUp, uint random)
        {
            // The candidate's health criteria: the application started and did not fail, the broker accepted us and
            // acknowledged a health report of this boot.
            bool healthy = Application.Loaded && !Application.Failed && Connection.State == ConnectionState.Connected && HealthReportsAcknowledged > 0;
            long sleep = Updates.Step(nowMs, utcSeconds, networkUp, (random * 2654435761u) ^ 0x5bd1e995u, healthy);
            Application.LastUpdateOutcome = Updates.LastOutcome;
            Application.Testing = Updates.State == UpdateState.Testing;
            if (Updates.EventSequence != _updateEventPublished && Connection.State == ConnectionState.Connected && nowMs >= _updateEventRetryMs)
            {
                int length = _updateEventWriter.Write(Updates, _updateEvent, 0, _updateEvent.Length);
                int sequence = Updates.EventSequence;
                int messageId;
                PublishDecision decision = Publish(MessageClass.UpdateProgress, Connection.Topics.Update, _updateEvent, 0, length, 1, false, nowMs, out messageId);
                if (decision == PublishDecision.Send)
                {
                    _updateEventPublished = sequence;
                }
                else
                {
                    // Over budget: only the newest state is worth sending, so try again later with whatever is current.
                    _updateEventRetryMs = nowMs + 30000;
                }
            }

            if (Updates.RebootRequested)
            {
                if (_rebootAskedMs < 0)
                {
                    _rebootAskedMs = nowMs;
                }

                RebootRequested = Updates.EventSequence == _updateEventPublished || Monotonic.Elapsed(nowMs, _rebootAskedMs) >= RebootGraceMs;
                if (!RebootRequested)
                {
                    sleep = sleep < 500 ? sleep : 500;
                }
            }

            return sleep;
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

            if (leaf == Topics.OfferLeaf && Updates != null)
            {
                if (Updates.Offer(_inbound.Payload, 0, _inbound.Length, nowMs) != UpdateOutcome.None)
                {
                    Connection.Counters.InboundRejected++;
                }

                return;
            }

            Connection.Counters.InboundRejected++;
        }
    }
}
