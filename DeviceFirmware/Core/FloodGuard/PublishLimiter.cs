namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// Per-class publish budgets (token buckets), tightened in safe mode and by a server throttle command, with counters of
    /// sent, delayed and dropped messages for telemetry. Defaults: telemetry 3 burst / 30 per hour, events 10 / 60,
    /// update progress 10 / 120; safe mode allows telemetry only, 2 per hour. Sans-I/O and allocation-free after construction.
    /// </summary>
    public sealed class PublishLimiter
    {
        /// <summary>Number of message classes.</summary>
        public const int ClassCount = 3;

        private const int SafeModeTelemetryPerHour = 2;

        private readonly TokenBucket[] _buckets = new TokenBucket[ClassCount];
        private readonly TokenBucket _safeMode = new TokenBucket(1, SafeModeTelemetryPerHour);
        private readonly TokenBucket _throttle = new TokenBucket(1, 1);
        private readonly ThrottleWindow _window;
        private readonly int[] _sent = new int[ClassCount];
        private readonly int[] _delayed = new int[ClassCount];
        private readonly int[] _dropped = new int[ClassCount];
        private int _windowChanges;

        /// <summary>A limiter with the default budgets and a window of its own that no command reaches (budgets only).</summary>
        public PublishLimiter()
            : this(new ThrottleWindow(86400000))
        {
        }

        /// <summary>
        /// Creates the limiter with the default budgets, paced while <paramref name="throttle"/> is in force: the reconnect
        /// policy's window (<see cref="ReconnectPolicy.Throttle"/>), so a throttle restored at boot slows publishing too.
        /// </summary>
        public PublishLimiter(ThrottleWindow throttle)
        {
            if (throttle == null)
            {
                throw new System.ArgumentNullException("throttle");
            }

            _window = throttle;
            _buckets[(int)MessageClass.Telemetry] = new TokenBucket(3, 30);
            _buckets[(int)MessageClass.Event] = new TokenBucket(10, 60);
            _buckets[(int)MessageClass.UpdateProgress] = new TokenBucket(10, 120);
        }

        /// <summary>True while the device is in safe mode (set by the connection manager from the reconnect policy).</summary>
        public bool SafeMode { get; set; }

        /// <summary>Changes the budget of one class.</summary>
        public void Configure(MessageClass messageClass, int burst, int perHour)
        {
            _buckets[(int)messageClass].Configure(burst, perHour);
        }

        /// <summary>True while a throttle command is in force.</summary>
        public bool Throttled(long nowMs)
        {
            return _window.InForce(nowMs);
        }

        /// <summary>
        /// Decides about one message. <paramref name="retry"/> is true when asking again about a message that was delayed
        /// (it is then not counted as delayed a second time). Only telemetry is delayed, and a delayed report is never
        /// queued: the retry samples afresh, so a delay counts once and nothing is superseded silently.
        /// </summary>
        public PublishDecision Decide(MessageClass messageClass, long nowMs, bool retry)
        {
            int index = (int)messageClass;
            FollowWindow();
            bool allowed;
            if (SafeMode)
            {
                allowed = messageClass == MessageClass.Telemetry && _safeMode.Available(nowMs) > 0 && Budgets(index, nowMs);
                if (allowed)
                {
                    _safeMode.TryTake(nowMs);
                }
            }
            else
            {
                allowed = Budgets(index, nowMs);
            }

            if (allowed)
            {
                _buckets[index].TryTake(nowMs);
                if (_window.InForce(nowMs))
                {
                    _throttle.TryTake(nowMs);
                }

                _sent[index]++;
                return PublishDecision.Send;
            }

            if (messageClass == MessageClass.Telemetry)
            {
                if (!retry)
                {
                    _delayed[index]++;
                }

                return PublishDecision.Delay;
            }

            _dropped[index]++;
            return PublishDecision.Drop;
        }

        /// <summary>Messages sent in <paramref name="messageClass"/> since boot.</summary>
        public int Sent(MessageClass messageClass)
        {
            return _sent[(int)messageClass];
        }

        /// <summary>Messages delayed in <paramref name="messageClass"/> since boot.</summary>
        public int Delayed(MessageClass messageClass)
        {
            return _delayed[(int)messageClass];
        }

        /// <summary>Messages dropped in <paramref name="messageClass"/> since boot.</summary>
        public int Dropped(MessageClass messageClass)
        {
            return _dropped[(int)messageClass];
        }

        /// <summary>Total delayed plus dropped messages of every class.</summary>
        public int TotalLimited
        {
            get
            {
                int total = 0;
                for (int i = 0; i < ClassCount; i++)
                {
                    total += _delayed[i] + _dropped[i];
                }

                return total;
            }
        }

        private bool Budgets(int index, long nowMs)
        {
            return _buckets[index].Available(nowMs) > 0 && (!_window.InForce(nowMs) || _throttle.Available(nowMs) > 0);
        }

        private void FollowWindow()
        {
            if (_window.Changes == _windowChanges)
            {
                return;
            }

            // Re-paced as of the change, not of this message: the credit earned since the last message counts up to the
            // command's arrival at the old rate (no decision has run since, so this time is not behind the bucket's).
            _windowChanges = _window.Changes;
            _throttle.Available(_window.ChangedAtMs);
            _throttle.Configure(1, _window.RatePerHour);
        }
    }
}
