using SecureDevice.Core.Storage;

namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// When the device may next try to connect. Sans-I/O: callers report events with the monotonic time (<c>nowMs</c>),
    /// the wall-clock time in Unix seconds where it matters (<c>utcSeconds</c>, -1 when not synchronised) and a random value;
    /// the policy answers with the earliest time of the next attempt. Rules (docs/flood-guard.md):
    /// <list type="bullet">
    /// <item>first attempt after boot, and after losing a connection, spread over a window;</item>
    /// <item>exponential full-jitter backoff with a floor and a cap, reset only when a connection has stayed up for
    /// <see cref="BackoffConfig.StableAfterMs"/>;</item>
    /// <item>a short fast phase after losing a stable connection, so a fleet returns quickly and evenly after an outage;</item>
    /// <item>authentication breaker: long, doubling cool-downs, reported once connected again;</item>
    /// <item>reboot-loop breaker: too many boots without a stable connection enter safe mode (long waits);</item>
    /// <item>server hints and throttle commands only ever lengthen a wait;</item>
    /// <item>persisted across reboots (<see cref="WriteRecord"/>/<see cref="TryReadRecord"/>): the wait owed before a reboot is
    /// still owed after it, credited with wall-clock time that passed while off.</item>
    /// </list>
    /// The rules with state of their own are their own types: <see cref="BootLoopBreaker"/>, <see cref="AuthenticationBreaker"/>
    /// and <see cref="ThrottleWindow"/> (shared with the publish limiter); this class keeps the schedule (backoff, fast
    /// phase, the wait owed) and the record that persists them all.
    /// Not thread-safe: one connection manager owns it.
    /// </summary>
    public sealed class ReconnectPolicy
    {
        /// <summary>Largest persisted record, bytes.</summary>
        public const int RecordSize = 64;

        private const int RecordVersion = 1;

        private readonly BackoffConfig _config;
        private readonly BootLoopBreaker _bootLoop;
        private readonly AuthenticationBreaker _authentication;
        private int _failures;
        private long _nextAttemptMs;
        private long _restoredOwedMs;
        private long _restoredNotBeforeUtc = -1;
        private readonly ThrottleWindow _throttle;
        private long _fastUntilMs = long.MinValue;
        private bool _connected;
        private bool _stable;
        private long _connectedSinceMs;
        private bool _booted;

        /// <summary>Creates a policy; <paramref name="config"/> is validated and kept by reference.</summary>
        public ReconnectPolicy(BackoffConfig config)
        {
            if (config == null)
            {
                throw new System.ArgumentNullException("config");
            }

            config.Validate();
            _config = config;
            _throttle = new ThrottleWindow(config.MaxThrottleMs);
            _bootLoop = new BootLoopBreaker(config);
            _authentication = new AuthenticationBreaker(config);
        }

        /// <summary>The server throttle in force, shared with the publish limiter (one copy, persisted here).</summary>
        public ThrottleWindow Throttle
        {
            get { return _throttle; }
        }

        /// <summary>True when state worth persisting changed since the last <see cref="WriteRecord"/>.</summary>
        public bool Dirty { get; private set; }

        /// <summary>Consecutive failed attempts (not counting authentication failures) since the last stable connection.</summary>
        public int ConsecutiveFailures
        {
            get { return _failures; }
        }

        /// <summary>Consecutive authentication failures.</summary>
        public int AuthenticationFailures
        {
            get { return _authentication.Failures; }
        }

        /// <summary>True in safe mode (boot loop detected): long waits, minimal publishing.</summary>
        public bool SafeMode
        {
            get { return _bootLoop.SafeMode; }
        }

        /// <summary>Boots counted towards the reboot-loop breaker.</summary>
        public int BootsWithoutStableConnection
        {
            get { return _bootLoop.Boots; }
        }

        /// <summary>The last wait the policy imposed, ms (reported in telemetry as the current backoff).</summary>
        public long LastDelayMs { get; private set; }

        /// <summary>Attempts made since boot.</summary>
        public int AttemptsSinceBoot { get; private set; }

        /// <summary>True while connected.</summary>
        public bool Connected
        {
            get { return _connected; }
        }

        /// <summary>True once the current connection has lasted <see cref="BackoffConfig.StableAfterMs"/>.</summary>
        public bool Stable
        {
            get { return _stable; }
        }

        /// <summary>Monotonic time of the earliest next attempt.</summary>
        public long NextAttemptMs
        {
            get { return _nextAttemptMs; }
        }

        /// <summary>True while a throttle command is in force.</summary>
        public bool IsThrottled(long nowMs)
        {
            return _throttle.InForce(nowMs);
        }

        /// <summary>True while in the fast phase after losing a stable connection.</summary>
        public bool InFastPhase(long nowMs)
        {
            return nowMs < _fastUntilMs;
        }

        /// <summary>Milliseconds until an attempt is allowed (0 when allowed now; long.MaxValue while connected).</summary>
        public long MillisecondsUntilAttempt(long nowMs)
        {
            RequireBooted();
            return _connected ? long.MaxValue : Monotonic.Until(nowMs, _nextAttemptMs);
        }

        /// <summary>
        /// Restores persisted state from a record written by <see cref="WriteRecord"/>. Call before <see cref="OnBoot(long, long, uint, bool)"/>.
        /// </summary>
        /// <returns>False for a damaged or foreign record; the policy then starts fresh.</returns>
        public bool TryReadRecord(byte[] buffer, int offset, int count)
        {
            RecordReader reader = new RecordReader(buffer, offset, count);
            // Initialised although every path that reads them has assigned them: a mutation tool that turns one && of the
            // chain below into || could otherwise not compile that mutant, and would then skip every mutant of this method.
            int version = 0;
            int failures = 0;
            int authFailures = 0;
            int boots = 0;
            long firstBoot = 0;
            bool safeMode = false;
            long owed = 0;
            long notBefore = 0;
            long throttleUntil = 0;
            long throttleInterval = 0;
            if (!(reader.TryReadByte(out version) && version == RecordVersion
                && reader.TryReadInt32(out failures) && failures >= 0
                && reader.TryReadInt32(out authFailures) && authFailures >= 0
                && reader.TryReadInt32(out boots) && boots >= 0
                && reader.TryReadInt64(out firstBoot)
                && reader.TryReadBoolean(out safeMode)
                && reader.TryReadInt64(out owed) && owed >= 0
                && reader.TryReadInt64(out notBefore)
                && reader.TryReadInt64(out throttleUntil)
                && reader.TryReadInt64(out throttleInterval) && throttleInterval >= 0))
            {
                return false;
            }

            _failures = failures;
            _authentication.Restore(authFailures);
            _bootLoop.Restore(boots, firstBoot, safeMode);
            _restoredOwedMs = Clamp(owed, 0, MaxWait());
            _restoredNotBeforeUtc = notBefore;
            _throttle.Restore(throttleUntil, throttleInterval);
            return true;
        }

        /// <summary>
        /// Writes the persisted state as of <paramref name="nowMs"/> / <paramref name="utcSeconds"/> and clears <see cref="Dirty"/>.
        /// </summary>
        public void WriteRecord(RecordWriter writer, long nowMs, long utcSeconds)
        {
            long owed = _connected ? 0 : Monotonic.Until(nowMs, _nextAttemptMs);
            writer.WriteByte(RecordVersion);
            writer.WriteInt32(_failures);
            writer.WriteInt32(_authentication.Failures);
            writer.WriteInt32(_bootLoop.Boots);
            writer.WriteInt64(_bootLoop.FirstUnstableBootUtc);
            writer.WriteBoolean(_bootLoop.SafeMode);
            writer.WriteInt64(owed);
            writer.WriteInt64(utcSeconds >= 0 ? utcSeconds + ((owed + 999) / 1000) : -1);
            writer.WriteInt64(_throttle.UntilUtc);
            writer.WriteInt64(_throttle.MinIntervalMs);
            Dirty = false;
        }

        /// <summary>
        /// Starts the boot schedule: counts the boot for the reboot-loop breaker and sets the first attempt no earlier than the
        /// wait owed from before the reboot and no earlier than a random point in the boot window.
        /// </summary>
        public void OnBoot(long nowMs, long utcSeconds, uint random)
        {
            OnBoot(nowMs, utcSeconds, random, false);
        }

        /// <summary>
        /// As <see cref="OnBoot(long, long, uint)"/>; a <paramref name="planned"/> boot (one the firmware asked for: to test
        /// an update, to revert one, or on command) is not counted by the reboot-loop breaker, which is there for crashes.
        /// It still owes what was owed before the reboot and still waits a random point in the boot window.
        /// </summary>
        public void OnBoot(long nowMs, long utcSeconds, uint random, bool planned)
        {
            _booted = true;
            _connected = false;
            _stable = false;
            AttemptsSinceBoot = 0;
            bool enteringSafeMode = _bootLoop.OnBoot(utcSeconds, planned);

            long owed = _restoredOwedMs;
            if (_restoredNotBeforeUtc >= 0 && utcSeconds >= 0)
            {
                // Credit the time that passed while the device was off, but never wait longer than was owed.
                long wallRemaining = (_restoredNotBeforeUtc - utcSeconds) * 1000;
                if (wallRemaining < owed)
                {
                    owed = wallRemaining < 0 ? 0 : wallRemaining;
                }
            }

            _throttle.OnBoot(nowMs, utcSeconds);

            long spread = Backoff.Between(0, _config.BootWindowMs, random);
            long wait = owed > spread ? owed : spread;
            if (enteringSafeMode)
            {
                // Once, when the loop is detected; later boots owe what is left of this wait (persisted and credited
                // with wall-clock time), so even a device that keeps rebooting gets an attempt now and then.
                long safeWait = Backoff.Between(_config.SafeMinMs, _config.SafeMaxMs, random);
                wait = wait > safeWait ? wait : safeWait;
            }

            _nextAttemptMs = nowMs + wait;
            LastDelayMs = wait;
            Dirty = true;
        }

        /// <summary>Records an attempt starting now.</summary>
        /// <returns>False when no attempt is allowed yet (the caller must wait); nothing is recorded then.</returns>
        public bool TryBeginAttempt(long nowMs)
        {
            RequireBooted();
            if (_connected || nowMs < _nextAttemptMs)
            {
                return false;
            }

            AttemptsSinceBoot++;
            return true;
        }

        /// <summary>The broker accepted the connection (CONNACK success). Not yet stable.</summary>
        public void OnConnected(long nowMs)
        {
            RequireBooted();
            _connected = true;
            _stable = false;
            _connectedSinceMs = nowMs;
            _authentication.OnConnected();
        }

        /// <summary>Advances time while connected: declares the connection stable after <see cref="BackoffConfig.StableAfterMs"/>.</summary>
        /// <returns>True at the moment the connection became stable (the backoff was reset).</returns>
        public bool Tick(long nowMs)
        {
            if (!_connected || _stable || Monotonic.Elapsed(nowMs, _connectedSinceMs) < _config.StableAfterMs)
            {
                return false;
            }

            _stable = true;
            _failures = 0;
            _authentication.OnStable();
            _bootLoop.OnStable();
            _restoredOwedMs = 0;
            _restoredNotBeforeUtc = -1;
            Dirty = true;
            return true;
        }

        /// <summary>
        /// Authentication failures that happened before the current connection, to report once (then 0).
        /// </summary>
        public int TakeAuthenticationFailureReport()
        {
            return _authentication.TakeReport();
        }

        /// <summary>The connection was lost.</summary>
        public void OnDisconnected(long nowMs, uint random)
        {
            RequireBooted();
            if (!_connected)
            {
                return;
            }

            bool wasStable = _stable || Monotonic.Elapsed(nowMs, _connectedSinceMs) >= _config.StableAfterMs;
            _connected = false;
            _stable = false;
            if (wasStable)
            {
                _fastUntilMs = nowMs + _config.FastPhaseMs;
                long wait = Backoff.Between(0, _config.DisconnectWindowMs, random);
                _nextAttemptMs = nowMs + ApplyThrottle(nowMs, wait);
                LastDelayMs = _nextAttemptMs - nowMs;
                Dirty = true;
                return;
            }

            // A connection that dropped before becoming stable counts as a failed attempt.
            OnAttemptFailed(nowMs, ConnectFailure.Network, random);
        }

        /// <summary>The attempt failed with <paramref name="failure"/>; schedules the next one.</summary>
        /// <returns>The wait imposed, ms.</returns>
        public long OnAttemptFailed(long nowMs, ConnectFailure failure, uint random)
        {
            RequireBooted();
            if (failure == ConnectFailure.None)
            {
                throw new System.ArgumentException("a failure needs a class", "failure");
            }

            _connected = false;
            _stable = false;
            long wait;
            if (failure == ConnectFailure.Authentication)
            {
                wait = _authentication.OnFailure(random);
            }
            else
            {
                _failures++;
                wait = OrdinaryWait(nowMs, random);
                if (failure == ConnectFailure.Throttled)
                {
                    long hinted = Backoff.Between(_config.ThrottleMinMs, 2 * _config.ThrottleMinMs, random);
                    wait = wait > hinted ? wait : hinted;
                }
            }

            if (_bootLoop.SafeMode)
            {
                long safeWait = Backoff.Between(_config.SafeMinMs, _config.SafeMaxMs, random);
                wait = wait > safeWait ? wait : safeWait;
            }

            wait = ApplyThrottle(nowMs, wait);
            _nextAttemptMs = nowMs + wait;
            LastDelayMs = wait;
            Dirty = true;
            return wait;
        }

        /// <summary>
        /// Applies a server throttle command: until <paramref name="untilUtc"/> (Unix seconds), no two connection attempts
        /// closer than <paramref name="minIntervalMs"/>. Both are bounded by <see cref="BackoffConfig.MaxThrottleMs"/>; a command
        /// can only lengthen waits.
        /// </summary>
        public void ApplyThrottleCommand(long nowMs, long utcSeconds, long minIntervalMs, long untilUtc)
        {
            _throttle.Apply(nowMs, utcSeconds, minIntervalMs, untilUtc);
            if (!_connected)
            {
                _nextAttemptMs = nowMs + ApplyThrottle(nowMs, Monotonic.Until(nowMs, _nextAttemptMs));
            }

            Dirty = true;
        }

        private long OrdinaryWait(long nowMs, uint random)
        {
            if (nowMs < _fastUntilMs)
            {
                return Backoff.Between(_config.FastMinMs, _config.FastMaxMs, random);
            }

            long ceiling = Backoff.CeilingMs(_failures - 1, _config.BaseMs, _config.CapMs);
            return Backoff.FullJitterMs(ceiling, _config.FloorMs, random);
        }

        private long ApplyThrottle(long nowMs, long wait)
        {
            return _throttle.Lengthen(nowMs, wait);
        }

        private long MaxWait()
        {
            long max = _config.CapMs;
            max = max > _config.AuthCapMs ? max : _config.AuthCapMs;
            max = max > _config.SafeMaxMs ? max : _config.SafeMaxMs;
            return max > _config.MaxThrottleMs ? max : _config.MaxThrottleMs;
        }

        private void RequireBooted()
        {
            if (!_booted)
            {
                throw new System.InvalidOperationException("call OnBoot first");
            }
        }

        private static long Clamp(long value, long minimum, long maximum)
        {
            return value < minimum ? minimum : value > maximum ? maximum : value;
        }
    }
}
