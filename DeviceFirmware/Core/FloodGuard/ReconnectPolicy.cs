using SecureDevice.Core.Storage;
using SecureDevice.Core.Time;

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
    /// Each rule is its own type: <see cref="ReconnectSchedule"/> (backoff and fast phase), <see cref="BootLoopBreaker"/>,
    /// <see cref="AuthenticationBreaker"/>, <see cref="ThrottleWindow"/> (shared with the publish limiter) and
    /// <see cref="ReconnectRecord"/> (what persists them all); this class combines their waits into the next attempt and
    /// keeps the connection's state and the wait owed across a reboot.
    /// Not thread-safe: one connection manager owns it.
    /// </summary>
    public sealed class ReconnectPolicy
    {
        /// <summary>Largest persisted record, bytes.</summary>
        public const int RecordSize = ReconnectRecord.MaxSize;

        private readonly BackoffConfig _config;
        private readonly ReconnectSchedule _schedule;
        private readonly BootLoopBreaker _bootLoop;
        private readonly AuthenticationBreaker _authentication;
        private readonly ReconnectRecord _record = new ReconnectRecord();
        private long _nextAttemptMs;
        private long _restoredOwedMs;
        private long _restoredNotBeforeUtc = -1;
        private readonly ThrottleWindow _throttle;
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
            _schedule = new ReconnectSchedule(config);
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
            get { return _schedule.Failures; }
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
            return _schedule.InFastPhase(nowMs);
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
            if (!_record.TryRead(buffer, offset, count))
            {
                return false;
            }

            _schedule.Restore(_record.Failures);
            _authentication.Restore(_record.AuthenticationFailures);
            _bootLoop.Restore(_record.Boots, _record.FirstUnstableBootUtc, _record.SafeMode);
            _restoredOwedMs = Clamp(_record.OwedMs, 0, MaxWait());
            _restoredNotBeforeUtc = _record.NotBeforeUtc;
            _throttle.Restore(_record.ThrottleUntilUtc, _record.ThrottleIntervalMs);
            return true;
        }

        /// <summary>
        /// Writes the persisted state as of <paramref name="nowMs"/> / <paramref name="utcSeconds"/> and clears <see cref="Dirty"/>.
        /// </summary>
        public void WriteRecord(RecordWriter writer, long nowMs, long utcSeconds)
        {
            long owed = _connected ? 0 : Monotonic.Until(nowMs, _nextAttemptMs);
            _record.Failures = _schedule.Failures;
            _record.AuthenticationFailures = _authentication.Failures;
            _record.Boots = _bootLoop.Boots;
            _record.FirstUnstableBootUtc = _bootLoop.FirstUnstableBootUtc;
            _record.SafeMode = _bootLoop.SafeMode;
            _record.OwedMs = owed;
            _record.NotBeforeUtc = utcSeconds >= 0 ? utcSeconds + ((owed + 999) / 1000) : -1;
            _record.ThrottleUntilUtc = _throttle.UntilUtc;
            _record.ThrottleIntervalMs = _throttle.MinIntervalMs;
            _record.Write(writer);
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
            _schedule.OnStable();
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
                long wait = _schedule.OnStableLost(nowMs, random);
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
                wait = _schedule.OnFailure(nowMs, random);
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
