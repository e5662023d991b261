using SecureDevice.Core.Boot;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Update;
using SecureDevice.Core.Time;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// Joins the update engine to the broker for the <see cref="DeviceAgent"/>: steps the engine with the health facts,
    /// publishes its events on devices/{id}/up/update (only the newest state when over budget), and holds a reboot the
    /// engine asks for until the broker acknowledged the event saying so, or <see cref="RebootGraceMs"/> passed: the
    /// event is then kept on flash (<see cref="PendingEvent"/>) and published again after the boot. A kept event is
    /// published whether or not updates are attached. Allocation-free per step.
    /// </summary>
    public sealed class UpdateLink
    {
        /// <summary>How long a requested reboot waits for the broker to acknowledge its update event, ms.</summary>
        public const long RebootGraceMs = 15000;

        /// <summary>How long an update event the limiter delayed waits before the newest state is tried again, ms.</summary>
        public const long RetryMs = 30000;

        private readonly Publisher _publisher;
        private readonly Topics _topics;
        private readonly BootTracker _boot;
        private readonly RunningApplication _application;
        private readonly PendingEvent _pending;
        private readonly UpdateEventWriter _writer = new UpdateEventWriter();
        private readonly byte[] _event = new byte[UpdateEventWriter.MaxBytes];
        private readonly StepInput _input = new StepInput();
        private int _published;
        private int _messageId = -1;
        private int _inFlight;
        private int _acknowledged = -1;
        private long _retryMs;
        private long _rebootAskedMs = -1;
        private int _pendingMessageId = -1;

        /// <summary>A link publishing through <paramref name="publisher"/> on <paramref name="topics"/>, keeping events in <paramref name="store"/>.</summary>
        public UpdateLink(Publisher publisher, Topics topics, BootTracker boot, RunningApplication application, IFileStore store)
        {
            _publisher = publisher;
            _topics = topics;
            _boot = boot;
            _application = application;
            _pending = new PendingEvent(store);
        }

        /// <summary>The update engine, once attached; null while updates are off.</summary>
        public UpdateEngine Engine { get; private set; }

        /// <summary>An update event kept across the last reboot, until acknowledged.</summary>
        public PendingEvent Pending
        {
            get { return _pending; }
        }

        /// <summary>True once the engine's reboot may happen: its event was acknowledged, or kept on flash after the grace.</summary>
        public bool RebootRequested { get; private set; }

        /// <summary>Steps and publishes <paramref name="engine"/> from now on (its boot event is the first to go out).</summary>
        public void Attach(UpdateEngine engine)
        {
            Engine = engine;
            _published = engine.Status.EventSequence - 1;
        }

        /// <summary>Loads a kept event. Call once at boot.</summary>
        public void Start()
        {
            _pending.Load();
        }

        /// <summary>Steps the engine at <paramref name="input"/> (with its own random stream) and publishes what changed.</summary>
        /// <param name="input">This step's input.</param>
        /// <param name="healthy">The running slot meets the health criterion (<see cref="Probation.IsHealthy"/>).</param>
        /// <returns>Milliseconds the engine may sleep (at most 500 while a reboot waits for its acknowledgement).</returns>
        public long Step(StepInput input, bool healthy)
        {
            long nowMs = input.NowMs;
            UpdateStatus status = Engine.Status;
            long sleep = Engine.Step(_input.CopyWithRandom(input, (input.Random * 2654435761u) ^ 0x5bd1e995u), healthy);
            _application.LastUpdateOutcome = status.LastOutcome;
            _application.Testing = status.State == UpdateState.Testing;
            bool fresh = status.EventSequence != _published;
            bool unacknowledged = _messageId < 0 && _acknowledged != status.EventSequence && _published == status.EventSequence && status.RebootRequested;
            if ((fresh || unacknowledged) && _publisher.Connected && nowMs >= _retryMs)
            {
                int length = _writer.Write(status, _boot.BootCount, _event, 0, _event.Length);
                int sequence = status.EventSequence;
                int messageId;
                if (_publisher.Publish(MessageClass.UpdateProgress, _topics.Update, _event, 0, length, 1, false, nowMs, out messageId) == PublishDecision.Send)
                {
                    _published = sequence;
                    _inFlight = sequence;
                    _messageId = messageId;
                }
                else
                {
                    // Over budget: only the newest state is worth sending, so try again later with whatever is current.
                    _retryMs = nowMs + RetryMs;
                }
            }

            if (!status.RebootRequested)
            {
                return sleep;
            }

            if (_rebootAskedMs < 0)
            {
                _rebootAskedMs = nowMs;
            }

            if (_acknowledged == status.EventSequence)
            {
                RebootRequested = true;
            }
            else if (Monotonic.Elapsed(nowMs, _rebootAskedMs) >= RebootGraceMs)
            {
                // No PUBACK in time: keep the event for after the boot rather than lose it.
                int kept = _writer.Write(status, _boot.BootCount, _event, 0, _event.Length);
                _pending.Keep(_event, 0, kept);
                RebootRequested = true;
            }
            else
            {
                sleep = sleep < 500 ? sleep : 500;
            }

            return sleep;
        }

        /// <summary>Publishes the event kept across the last reboot, once per connection until acknowledged.</summary>
        public void PublishPending(long nowMs)
        {
            if (!_pending.Waiting || _pendingMessageId >= 0)
            {
                return;
            }

            int messageId;
            if (_publisher.Publish(MessageClass.UpdateProgress, _topics.Update, _pending.Bytes, 0, _pending.Length, 1, false, nowMs, out messageId) == PublishDecision.Send)
            {
                _pendingMessageId = messageId;
            }
        }

        /// <summary>The broker acknowledged <paramref name="messageId"/>; true when it was one of the link's.</summary>
        public bool Acknowledged(int messageId)
        {
            if (messageId == _messageId)
            {
                _acknowledged = _inFlight;
                _messageId = -1;
                return true;
            }

            if (messageId == _pendingMessageId)
            {
                _pendingMessageId = -1;
                _pending.Clear();
                return true;
            }

            return false;
        }

        /// <summary>The connection is down: what was in flight is lost with it and goes out again after the next connect.</summary>
        public void ConnectionLost()
        {
            _messageId = -1;
            _pendingMessageId = -1;
        }
    }
}
