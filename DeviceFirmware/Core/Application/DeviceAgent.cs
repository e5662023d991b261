using SecureDevice.Core.Boot;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Update;
using SecureDevice.Core.Text;
using SecureDevice.Core.Time;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// The firmware's application logic, the same on an ESP32 and in a virtual device: the connection manager, the
    /// publish limiter, inbound commands, boot tracking and health reports; updates go through its <see cref="UpdateLink"/>.
    /// The platform calls <see cref="Step"/> in a loop with the step's <see cref="StepInput"/> and sleeps for the returned
    /// milliseconds. Nothing here touches a socket, a clock or the flash directly.
    /// </summary>
    public sealed class DeviceAgent
    {
        /// <summary>Largest inbound payload the agent accepts (larger ones are rejected and counted).</summary>
        public const int MaxInboundPayload = 2048;

        /// <summary>How often free memory is observed between reports, ms.</summary>
        public const long ObserveIntervalMs = 10000;

        /// <summary>Connected with a health report acknowledged for this long: the run is stable, fault reboots back off from the start again.</summary>
        public const long StableAfterMs = 600000;

        private readonly InboundMessage _inbound = new InboundMessage(MaxInboundPayload);
        private readonly ThrottleCommandParser _throttleParser = new ThrottleCommandParser();
        private readonly HealthReport _report = new HealthReport();
        private readonly byte[] _reportBuffer = new byte[HealthReport.MaxJsonBytes];
        private readonly ReportSchedule _schedule;
        private bool _reportPending;
        private int _healthMessageId = -1;
        private long _nextObserveMs;
        private int _invalidEventsPublished;
        private readonly Publisher _publisher;
        private readonly UpdateLink _updates;
        private readonly FaultEventWriter _faultWriter = new FaultEventWriter();
        private readonly byte[] _faultEvent = new byte[FaultEventWriter.MaxBytes];
        private int _faultMessageId = -1;
        private long _faultRetryMs;
        private bool _applicationFailureHandled;
        private long _startMs;

        /// <summary>Creates the agent for <paramref name="config"/> over the platform's transport, flash and sensors, reporting <paramref name="session"/>.</summary>
        public DeviceAgent(DeviceConfig config, IMqttTransport transport, IFileStore store, BackoffConfig backoff, IHealthSource sensors, BootSession session)
        {
            if (config == null || transport == null || store == null || backoff == null || sensors == null || session == null)
            {
                throw new System.ArgumentNullException("config");
            }

            Config = config;
            Store = store;
            Session = session;
            Application = session.Application;
            ReconnectPolicy policy = new ReconnectPolicy(backoff);
            Limiter = new PublishLimiter(policy.Throttle);
            Connection = new ConnectionManager(config, transport, policy, store);
            Boot = session.Tracker;
            Health = new HealthSampler(sensors, Connection, Limiter, Boot, Application);
            _schedule = new ReportSchedule(config.TelemetryIntervalSeconds);
            _publisher = new Publisher(Connection, Limiter);
            _updates = new UpdateLink(_publisher, Connection.Topics, Boot, Application, store);
        }

        /// <summary>The configuration.</summary>
        public DeviceConfig Config { get; private set; }

        /// <summary>The flash store.</summary>
        public IFileStore Store { get; private set; }

        /// <summary>What is running.</summary>
        public RunningApplication Application { get; private set; }

        /// <summary>This boot: count, reason, fault record.</summary>
        public BootSession Session { get; private set; }

        /// <summary>The fault record, reported as an event once connected.</summary>
        public FaultLog Faults
        {
            get { return Session.Faults; }
        }

        /// <summary>An update event kept across the last reboot, until acknowledged.</summary>
        public PendingEvent Pending
        {
            get { return _updates.Pending; }
        }

        /// <summary>The connection manager.</summary>
        public ConnectionManager Connection { get; private set; }

        /// <summary>The publish limiter.</summary>
        public PublishLimiter Limiter { get; private set; }

        /// <summary>Boot count and reason.</summary>
        public BootTracker Boot { get; private set; }

        /// <summary>The health sampler (its snapshot is the last report's content).</summary>
        public HealthSampler Health { get; private set; }

        /// <summary>The update engine, when updates are enabled (<see cref="AttachUpdates"/>).</summary>
        public UpdateEngine Updates
        {
            get { return _updates.Engine; }
        }

        /// <summary>
        /// True when the platform should reboot now: the update engine asked for it (to test a staged slot, or after a
        /// revert) and the broker acknowledged the event saying so, or <see cref="UpdateLink.RebootGraceMs"/> passed (the
        /// event is then kept on flash for after the boot). <see cref="DeviceLoop"/> then records <see cref="RebootReason"/> and reboots.
        /// </summary>
        public bool RebootRequested
        {
            get { return _updates.RebootRequested; }
        }

        /// <summary>Why the reboot is requested.</summary>
        public BootReason RebootReason
        {
            get { return Updates == null ? BootReason.Planned : Updates.Status.RebootReason; }
        }

        /// <summary>Throttle commands applied since boot.</summary>
        public int ThrottleCommandsApplied { get; private set; }

        /// <summary>Health reports the broker acknowledged since boot (a fact of the update health criterion, <see cref="Probation.IsHealthy"/>).</summary>
        public int HealthReportsAcknowledged { get; private set; }

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

            _updates.Attach(engine);
        }

        /// <summary>Restores persisted state (the boot was counted by <see cref="BootSession.Begin"/>). Call once at boot.</summary>
        public void Start(long nowMs)
        {
            // Boots the firmware asked for do not count towards the reboot-loop breaker; unclean and fault boots do.
            BootReason reason = Boot.Reason;
            Connection.Start(reason == BootReason.Planned || reason == BootReason.Update || reason == BootReason.Revert);
            Health.Start(nowMs);
            _schedule.Start(nowMs);
            _updates.Start();
            _nextObserveMs = nowMs;
            _startMs = nowMs;
        }

        /// <summary>Runs the agent once at <paramref name="input"/>; returns the milliseconds the platform may sleep before the next call.</summary>
        public long Step(StepInput input)
        {
            long nowMs = input.NowMs;
            long utcSeconds = input.UtcSeconds;
            long sleep = Connection.Step(input);
            Limiter.SafeMode = Connection.Policy.SafeMode;
            int handled = 0;
            while (handled < 8 && Connection.TryReceive(_inbound))
            {
                Handle(nowMs, utcSeconds);
                handled++;
            }

            CountAcknowledgements();
            if (Connection.State != ConnectionState.Connected)
            {
                // What was in flight is lost with the connection: publish it again after the next connect.
                _faultMessageId = -1;
                _updates.ConnectionLost();
            }

            HandleApplicationFailure();
            if (Updates != null)
            {
                bool healthy = Probation.IsHealthy(Application.Loaded, Application.Failed, Connection.State == ConnectionState.Connected, HealthReportsAcknowledged);
                long updateSleep = _updates.Step(input, healthy);
                sleep = updateSleep < sleep ? updateSleep : sleep;
                // A confirmation raises the floor: a failed floor-record save goes to the fault record (which decides: once
                // per boot, never over an unreported fault) and so to the service.
                Faults.NoteFloorSaveFailures(Updates.FloorSaveFailures);
                // Every health report says whether the record still lags (a later save may have repaired it).
                Application.FloorRecordLagging = Updates.FloorRecordLagging;
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
                Report(nowMs, utcSeconds, input.Random);
                PublishFault(nowMs);
                _updates.PublishPending(nowMs);
                PublishInvalidReadingEvents(nowMs);
                if (HealthReportsAcknowledged > 0 && Monotonic.Elapsed(nowMs, _startMs) >= StableAfterMs)
                {
                    Faults.MarkStable();
                }

                long untilReport = _reportPending ? 1000 : _schedule.MillisecondsUntilDue(nowMs);
                sleep = untilReport < sleep ? untilReport : sleep;
            }

            return handled == 8 ? 0 : sleep;
        }

        /// <summary>Publishes one message of <paramref name="messageClass"/> if the limiter allows it.</summary>
        /// <returns>The limiter's decision; <see cref="PublishDecision.Delay"/> also when offline.</returns>
        public PublishDecision Publish(MessageClass messageClass, string topic, byte[] payload, int offset, int count, int qos, bool retry, long nowMs, out int messageId)
        {
            return _publisher.Publish(messageClass, topic, payload, offset, count, qos, retry, nowMs, out messageId);
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
                else if (messageId == _faultMessageId)
                {
                    _faultMessageId = -1;
                    Faults.MarkReported();
                }
                else
                {
                    _updates.Acknowledged(messageId); // the update event or the one kept across the reboot
                }
            }
        }

        // The application's thread only flags its failure; acting on it happens here, on the main loop.
        private void HandleApplicationFailure()
        {
            if (_applicationFailureHandled || !Application.Failed)
            {
                return;
            }

            _applicationFailureHandled = true;
            Faults.Record(FaultCode.ApplicationFailed, Application.FailureDetail);
            if (Updates != null)
            {
                Updates.OnApplicationFailed();
            }
        }

        private void PublishFault(long nowMs)
        {
            if (!Faults.Unreported || _faultMessageId >= 0 || nowMs < _faultRetryMs)
            {
                return;
            }

            int length = _faultWriter.Write(Faults, Boot.BootCount, _faultEvent, 0, _faultEvent.Length);
            int messageId;
            if (Publish(MessageClass.Event, Connection.Topics.Events, _faultEvent, 0, length, 1, false, nowMs, out messageId) == PublishDecision.Send)
            {
                _faultMessageId = messageId;
            }
            else
            {
                _faultRetryMs = nowMs + 30000;
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
                if (!WallTime.IsValid(utcSeconds)
                    || _throttleParser.TryParse(_inbound.Payload, 0, _inbound.Length, utcSeconds, out command) != DocumentStatus.Valid)
                {
                    Connection.Counters.InboundRejected++;
                    return;
                }

                Connection.ApplyThrottle(command, nowMs, utcSeconds); // the limiter follows the same window
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
