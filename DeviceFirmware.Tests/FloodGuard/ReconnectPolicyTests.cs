using nanoFramework.TestFramework;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.FloodGuard
{
    [TestClass]
    public class ReconnectPolicyTests
    {
        private const long Utc = 1795341600;

        [TestMethod]
        public void OnBoot_FirstAttemptIsSpreadOverTheBootWindow()
        {
            TestRandom random = new TestRandom(1);
            long earliest = long.MaxValue;
            long latest = 0;
            for (int i = 0; i < 300; i++)
            {
                ReconnectPolicy policy = new ReconnectPolicy(new BackoffConfig());
                policy.OnBoot(1000, Utc, random.NextUInt());
                long wait = policy.MillisecondsUntilAttempt(1000);
                bool inWindow = wait >= 0 && wait <= 30000;
                Assert.IsTrue(inWindow);
                bool early = wait > 0 && policy.TryBeginAttempt(1000 + wait - 1);
                Assert.IsFalse(early);
                bool started = policy.TryBeginAttempt(1000 + wait);
                Assert.IsTrue(started);
                earliest = wait < earliest ? wait : earliest;
                latest = wait > latest ? wait : latest;
            }

            Assert.IsTrue(earliest < 1000 && latest > 29000, "spread " + earliest + ".." + latest);
        }

        [TestMethod]
        public void OnAttemptFailed_RandomSequences_StayBetweenFloorAndCaps()
        {
            // Property: whatever the failure classes and random values, no wait is below the floor or above the
            // cap that applies to its class (ordinary, authentication, throttled, safe mode).
            TestRandom random = new TestRandom(2);
            BackoffConfig config = new BackoffConfig();
            for (int run = 0; run < 60; run++)
            {
                ReconnectPolicy policy = new ReconnectPolicy(config);
                long now = 0;
                policy.OnBoot(now, Utc, random.NextUInt());
                for (int step = 0; step < 40; step++)
                {
                    now = policy.NextAttemptMs;
                    bool started = policy.TryBeginAttempt(now);
                    Assert.IsTrue(started);
                    ConnectFailure failure = (ConnectFailure)(1 + random.Next(5));
                    long wait = policy.OnAttemptFailed(now, failure, random.NextUInt());
                    Assert.IsTrue(wait >= config.FloorMs, "below floor: " + wait);
                    long cap = failure == ConnectFailure.Authentication ? config.AuthCapMs : config.CapMs;
                    cap = policy.SafeMode && config.SafeMaxMs > cap ? config.SafeMaxMs : cap;
                    cap = failure == ConnectFailure.Throttled && 2 * config.ThrottleMinMs > cap ? 2 * config.ThrottleMinMs : cap;
                    Assert.IsTrue(wait <= cap, "above cap: " + wait + " for " + (int)failure);
                    Assert.AreEqual(now + wait, policy.NextAttemptMs);
                }
            }
        }

        [TestMethod]
        public void OnAttemptFailed_OrdinaryFailuresGrowExponentiallyToTheCap()
        {
            ReconnectPolicy policy = Booted(new BackoffConfig(), 3);
            long now = 0;
            for (int failure = 1; failure <= 14; failure++)
            {
                long wait = policy.OnAttemptFailed(now, ConnectFailure.Network, uint.MaxValue);
                long ceiling = Backoff.CeilingMs(failure - 1, 1000, 900000);
                long expected = 1000 + (long)(uint.MaxValue % (ulong)(ceiling - 1000 + 1));
                Assert.AreEqual(ceiling <= 1000 ? 1000 : expected, wait, "failure " + failure);
                now += wait;
            }

            Assert.AreEqual(14, policy.ConsecutiveFailures);
        }

        [TestMethod]
        public void Tick_ResetsOnlyAfterTheConnectionIsStable()
        {
            BackoffConfig config = new BackoffConfig();
            ReconnectPolicy policy = Booted(config, 4);
            policy.OnAttemptFailed(0, ConnectFailure.Network, 5);
            policy.OnAttemptFailed(0, ConnectFailure.Network, 5);
            policy.OnConnected(10000);
            bool reset = policy.Tick(10000 + config.StableAfterMs - 1);
            Assert.IsFalse(reset);
            Assert.AreEqual(2, policy.ConsecutiveFailures);
            reset = policy.Tick(10000 + config.StableAfterMs);
            Assert.IsTrue(reset);
            Assert.AreEqual(0, policy.ConsecutiveFailures);
            Assert.IsTrue(policy.Dirty);
        }

        [TestMethod]
        public void OnDisconnected_BeforeStable_CountsAsAFailure()
        {
            ReconnectPolicy policy = Booted(new BackoffConfig(), 5);
            policy.OnConnected(1000);
            policy.OnDisconnected(2000, 77);
            Assert.AreEqual(1, policy.ConsecutiveFailures);
            bool inFastPhase = policy.InFastPhase(2000);
            Assert.IsFalse(inFastPhase);
        }

        [TestMethod]
        public void OnDisconnected_AfterStable_SpreadsFirstAttemptThenFastPhaseThenSlows()
        {
            BackoffConfig config = new BackoffConfig();
            TestRandom random = new TestRandom(6);
            ReconnectPolicy policy = Booted(config, 6);
            policy.OnConnected(0);
            policy.Tick(config.StableAfterMs);
            long lost = config.StableAfterMs + 1000;
            policy.OnDisconnected(lost, random.NextUInt());
            bool inWindow = policy.MillisecondsUntilAttempt(lost) <= config.DisconnectWindowMs;
            Assert.IsTrue(inWindow);
            bool inFastPhase = policy.InFastPhase(lost);
            Assert.IsTrue(inFastPhase);
            long now = policy.NextAttemptMs;
            int fastAttempts = 0;
            while (now < lost + config.FastPhaseMs)
            {
                long wait = policy.OnAttemptFailed(now, ConnectFailure.Network, random.NextUInt());
                Assert.IsTrue(wait >= config.FastMinMs && wait <= config.FastMaxMs, wait.ToString());
                now += wait;
                fastAttempts++;
            }

            Assert.IsTrue(fastAttempts >= 30 && fastAttempts <= 46, fastAttempts.ToString());
            long slow = policy.OnAttemptFailed(now, ConnectFailure.Network, uint.MaxValue);
            Assert.IsTrue(slow > config.FastMaxMs, "after the fast phase the ordinary backoff continues: " + slow);
        }

        [TestMethod]
        public void AuthenticationBreaker_LongDoublingCoolDownsReportedOnce()
        {
            BackoffConfig config = new BackoffConfig();
            ReconnectPolicy policy = Booted(config, 7);
            long previousCeiling = 0;
            for (int i = 1; i <= 8; i++)
            {
                long wait = policy.OnAttemptFailed(0, ConnectFailure.Authentication, 123456789);
                long ceiling = Backoff.CeilingMs(i - 1, config.AuthBaseMs, config.AuthCapMs);
                Assert.IsTrue(wait >= ceiling / 2 && wait <= ceiling, "cool-down " + i + ": " + wait);
                bool growing = ceiling >= previousCeiling;
                Assert.IsTrue(growing);
                previousCeiling = ceiling;
            }

            Assert.AreEqual(config.AuthCapMs, previousCeiling);
            Assert.AreEqual(8, policy.AuthenticationFailures);
            Assert.AreEqual(0, policy.ConsecutiveFailures);
            policy.OnConnected(0);
            int report = policy.TakeAuthenticationFailureReport();
            Assert.AreEqual(8, report);
            report = policy.TakeAuthenticationFailureReport();
            Assert.AreEqual(0, report);
        }

        [TestMethod]
        public void ServerHints_NeverShortenTheWait()
        {
            // Property: with the same state and random value, a throttled failure waits at least as long as an ordinary one.
            TestRandom random = new TestRandom(8);
            for (int i = 0; i < 200; i++)
            {
                int failures = random.Next(15);
                uint value = random.NextUInt();
                ReconnectPolicy ordinary = Booted(new BackoffConfig(), 8);
                ReconnectPolicy hinted = Booted(new BackoffConfig(), 8);
                for (int f = 0; f < failures; f++)
                {
                    ordinary.OnAttemptFailed(0, ConnectFailure.Network, 1);
                    hinted.OnAttemptFailed(0, ConnectFailure.Network, 1);
                }

                long plain = ordinary.OnAttemptFailed(0, ConnectFailure.Network, value);
                long slowed = hinted.OnAttemptFailed(0, ConnectFailure.Throttled, value);
                Assert.IsTrue(slowed >= plain && slowed >= 60000, plain + " vs " + slowed);
            }
        }

        [TestMethod]
        public void ThrottleCommand_LengthensWaitsUntilItExpires()
        {
            TestRandom random = new TestRandom(9);
            ReconnectPolicy policy = Booted(new BackoffConfig(), 9);
            policy.ApplyThrottleCommand(0, Utc, 600000, Utc + 3600);
            bool throttled = policy.IsThrottled(0);
            Assert.IsTrue(throttled);
            for (int i = 0; i < 20; i++)
            {
                long wait = policy.OnAttemptFailed(1000, ConnectFailure.Network, random.NextUInt());
                Assert.IsTrue(wait >= 600000);
            }

            throttled = policy.IsThrottled(3600000);
            Assert.IsFalse(throttled);
            ReconnectPolicy fresh = Booted(new BackoffConfig(), 9);
            long freshWait = fresh.OnAttemptFailed(3600001, ConnectFailure.Network, 0);
            Assert.IsTrue(freshWait < 600000);
        }

        [TestMethod]
        public void ThrottleCommand_WhileWaiting_LengthensThePendingWaitAndIsPersisted()
        {
            ReconnectPolicy policy = Booted(new BackoffConfig(), 15);
            policy.OnAttemptFailed(0, ConnectFailure.Network, 0);
            Save(policy, 0, Utc);
            policy.ApplyThrottleCommand(500, Utc, 600000, Utc + 3600);
            Assert.AreEqual(600000L, policy.MillisecondsUntilAttempt(500));
            Assert.IsTrue(policy.Dirty);
        }

        [TestMethod]
        public void OnDisconnected_NotConnected_ChangesNothing()
        {
            ReconnectPolicy policy = Booted(new BackoffConfig(), 16);
            long next = policy.NextAttemptMs;
            policy.OnDisconnected(1000, 5);
            Assert.AreEqual(0, policy.ConsecutiveFailures);
            Assert.AreEqual(next, policy.NextAttemptMs);
        }

        [TestMethod]
        public void OnDisconnected_StableTimeReachedWithoutATick_IsAStableLoss()
        {
            BackoffConfig config = new BackoffConfig();
            ReconnectPolicy policy = Booted(config, 17);
            policy.OnConnected(0);
            policy.OnDisconnected(config.StableAfterMs, 5);
            Assert.AreEqual(0, policy.ConsecutiveFailures);
            Assert.IsTrue(policy.InFastPhase(config.StableAfterMs));
            Assert.AreEqual(5L, policy.LastDelayMs);
        }

        [TestMethod]
        public void ThrottleCommand_IsBoundedAt24Hours()
        {
            ReconnectPolicy policy = Booted(new BackoffConfig(), 10);
            policy.ApplyThrottleCommand(0, Utc, long.MaxValue / 4, Utc + 100 * 86400);
            bool throttled = policy.IsThrottled(86400000);
            Assert.IsFalse(throttled);
            long wait = policy.OnAttemptFailed(0, ConnectFailure.Network, 0);
            Assert.IsTrue(wait <= 86400000);
        }

        [TestMethod]
        public void Persistence_RebootContinuesTheScheduleAndCreditsTimeOff()
        {
            BackoffConfig config = new BackoffConfig();
            ReconnectPolicy before = Booted(config, 11);
            for (int i = 0; i < 9; i++)
            {
                before.OnAttemptFailed(0, ConnectFailure.Network, uint.MaxValue);
            }

            long owed = before.MillisecondsUntilAttempt(0);
            Assert.IsTrue(owed > 200000);
            byte[] record = Save(before, 0, Utc);

            // Reboot 100 s later by the wall clock; the monotonic clock restarts at 0.
            ReconnectPolicy after = new ReconnectPolicy(config);
            bool read = after.TryReadRecord(record, 0, record.Length);
            Assert.IsTrue(read);
            after.OnBoot(0, Utc + 100, 0);
            long remaining = after.MillisecondsUntilAttempt(0);
            Assert.IsTrue(remaining >= owed - 101000 && remaining <= owed - 99000, remaining + " of " + owed);
            Assert.AreEqual(9, after.ConsecutiveFailures);

            // The next failure continues the exponential schedule where it stopped: same wait as without the reboot.
            long next = after.OnAttemptFailed(remaining, ConnectFailure.Network, 400000);
            long unbroken = before.OnAttemptFailed(0, ConnectFailure.Network, 400000);
            Assert.AreEqual(unbroken, next);
            Assert.AreEqual(401000L, next);
        }

        [TestMethod]
        public void Persistence_PartOfASecondOwed_EndRoundedUpSoNeverShortened()
        {
            ReconnectPolicy before = Booted(new BackoffConfig(), 18);
            before.OnAttemptFailed(0, ConnectFailure.Network, 500);
            before.OnAttemptFailed(0, ConnectFailure.Network, 500); // 1,500 ms owed
            byte[] record = Save(before, 0, Utc);
            ReconnectPolicy after = new ReconnectPolicy(new BackoffConfig());
            after.TryReadRecord(record, 0, record.Length);
            after.OnBoot(0, Utc, 0);
            Assert.AreEqual(1500L, after.MillisecondsUntilAttempt(0));
        }

        [TestMethod]
        public void Persistence_BrokerThrottle_StillInForceAfterBoot()
        {
            BackoffConfig config = new BackoffConfig();
            ReconnectPolicy before = Booted(config, 12);
            before.ApplyThrottleCommand(0, Utc, 600000, Utc + 3600);
            byte[] record = Save(before, 0, Utc);
            ReconnectPolicy after = new ReconnectPolicy(config);
            after.TryReadRecord(record, 0, record.Length);
            after.OnBoot(0, Utc + 100, 0);
            bool throttled = after.IsThrottled(3400000);
            Assert.IsTrue(throttled);
            throttled = after.IsThrottled(3600000);
            Assert.IsFalse(throttled);
        }

        [TestMethod]
        public void Persistence_ClockBehindOrUnknown_StillOwesTheWholeWait()
        {
            BackoffConfig config = new BackoffConfig();
            ReconnectPolicy before = Booted(config, 12);
            for (int i = 0; i < 9; i++)
            {
                before.OnAttemptFailed(0, ConnectFailure.Network, uint.MaxValue);
            }

            long owed = before.MillisecondsUntilAttempt(0);
            byte[] record = Save(before, 0, Utc);

            ReconnectPolicy backwards = new ReconnectPolicy(config);
            backwards.TryReadRecord(record, 0, record.Length);
            backwards.OnBoot(0, Utc - 86400, 0);
            long remaining = backwards.MillisecondsUntilAttempt(0);
            Assert.AreEqual(owed, remaining);

            ReconnectPolicy unknown = new ReconnectPolicy(config);
            unknown.TryReadRecord(record, 0, record.Length);
            unknown.OnBoot(0, -1, 0);
            remaining = unknown.MillisecondsUntilAttempt(0);
            Assert.AreEqual(owed, remaining);
        }

        [TestMethod]
        public void Persistence_ThroughRecordStoreOverManyReboots_NeverAttemptsEarly()
        {
            // Property: a device that reboots at random moments never gets an attempt earlier than the policy allowed
            // before the reboot, measured in wall-clock time.
            TestRandom random = new TestRandom(13);
            BackoffConfig config = new BackoffConfig();
            MemoryFileStore flash = new MemoryFileStore();
            long utcMs = Utc * 1000;
            long allowedUtcMs = 0;
            int attempts = 0;
            for (int boot = 0; boot < 40; boot++)
            {
                RecordStore store = new RecordStore(flash, "state/reconnect", ReconnectPolicy.RecordSize);
                ReconnectPolicy policy = new ReconnectPolicy(config);
                bool found;
                store.Load(out found);
                if (found)
                {
                    bool read = policy.TryReadRecord(store.Payload, store.PayloadOffset, store.PayloadLength);
                    Assert.IsTrue(read);
                }

                long monotonic = 0;
                policy.OnBoot(monotonic, utcMs / 1000, random.NextUInt());
                long upFor = 1000 + random.Next(400000);
                while (true)
                {
                    long wait = policy.MillisecondsUntilAttempt(monotonic);
                    if (wait > upFor - monotonic)
                    {
                        break;
                    }

                    monotonic += wait;
                    bool started = policy.TryBeginAttempt(monotonic);
                    Assert.IsTrue(started);
                    Assert.IsTrue(utcMs + monotonic >= allowedUtcMs - 1000, "attempt before the wall-clock time allowed");
                    attempts++;
                    policy.OnAttemptFailed(monotonic, ConnectFailure.Network, random.NextUInt());
                    allowedUtcMs = utcMs + policy.NextAttemptMs;
                    Persist(store, policy, monotonic, (utcMs + monotonic) / 1000);
                }

                utcMs += upFor + random.Next(120000);
            }

            Assert.IsTrue(attempts > 5, "the device still makes progress across reboots: " + attempts);
        }

        [TestMethod]
        public void RebootLoopBreaker_EntersSafeModeAndLeavesItWhenStable()
        {
            BackoffConfig config = new BackoffConfig();
            MemoryFileStore flash = new MemoryFileStore();
            ReconnectPolicy policy = null;
            for (int boot = 0; boot < 5; boot++)
            {
                policy = RebootWithStore(flash, config, Utc + (boot * 60));
                Assert.AreEqual(boot == 4, policy.SafeMode, "boot " + boot);
            }

            bool slowEnough = policy.MillisecondsUntilAttempt(0) >= config.SafeMinMs;
            Assert.IsTrue(slowEnough);
            long wait = policy.OnAttemptFailed(policy.NextAttemptMs, ConnectFailure.Network, 1);
            slowEnough = wait >= config.SafeMinMs;
            Assert.IsTrue(slowEnough);
            policy.OnConnected(0);
            policy.Tick(config.StableAfterMs);
            Assert.IsFalse(policy.SafeMode);
        }

        [TestMethod]
        public void RebootLoopBreaker_BootsSpreadOutDoNotTriggerIt()
        {
            MemoryFileStore flash = new MemoryFileStore();
            ReconnectPolicy policy = null;
            for (int boot = 0; boot < 10; boot++)
            {
                policy = RebootWithStore(flash, new BackoffConfig(), Utc + (boot * 600));
            }

            Assert.IsFalse(policy.SafeMode);
        }

        [TestMethod]
        public void RebootLoopBreaker_PlannedRebootsAreNotCountedCrashesAre()
        {
            // An update's reboot and its revert are the firmware's decisions, not a crash loop; the crashes between them are.
            BackoffConfig config = new BackoffConfig();
            MemoryFileStore flash = new MemoryFileStore();
            bool[] planned = new bool[] { false, true, false, false, false, true, true, true };
            ReconnectPolicy policy = null;
            for (int boot = 0; boot < planned.Length; boot++)
            {
                policy = RebootWithStore(flash, config, Utc + (boot * 30), planned[boot]);
                Assert.IsFalse(policy.SafeMode, "boot " + boot);
            }

            policy = RebootWithStore(flash, config, Utc + 300, false);
            Assert.IsTrue(policy.SafeMode, "the fifth unplanned boot in the window");
        }

        [TestMethod]
        public void TryReadRecord_DamagedRecord_IsRefused()
        {
            byte[] record = Save(Booted(new BackoffConfig(), 14), 0, Utc);
            record[0] = 99;
            bool read = new ReconnectPolicy(new BackoffConfig()).TryReadRecord(record, 0, record.Length);
            Assert.IsFalse(read);
            read = new ReconnectPolicy(new BackoffConfig()).TryReadRecord(record, 0, 10);
            Assert.IsFalse(read);
        }

        // A record owing 10 days (valid but absurd) owes at most the longest wait any rule can impose; each row makes
        // another rule's cap (2 days) the longest: ordinary backoff, authentication, safe mode, throttle.
        [TestMethod]
        [DataRow(0)]
        [DataRow(1)]
        [DataRow(2)]
        [DataRow(3)]
        public void TryReadRecord_HugeWaitOwed_CappedAtTheLongestRule(int rule)
        {
            BackoffConfig config = new BackoffConfig();
            config.CapMs = rule == 0 ? 172800000 : 900000;
            config.AuthCapMs = rule == 1 ? 172800000 : 3600000;
            config.SafeMaxMs = rule == 2 ? 172800000 : 3600000;
            config.MaxThrottleMs = rule == 3 ? 172800000 : 3600000;
            ReconnectPolicy policy = Restored(config, Owing(864000000, -1));
            policy.OnBoot(0, -1, 0);
            Assert.AreEqual(172800000L, policy.MillisecondsUntilAttempt(0));
        }

        // A record owing 5 s whose wall-clock end is notBefore (-1: unknown), read at a boot at bootUtc, near the epoch:
        // 0 is a time like any other, only -1 means unknown. Random 0: no boot spread.
        [TestMethod]
        [DataRow(0L, 3L, 0L)]
        [DataRow(3L, 0L, 3000L)]
        [DataRow(-1L, 3L, 5000L)]
        public void OnBoot_WallClockNearTheEpoch_CreditsOnlyKnownTimeOff(long notBefore, long bootUtc, long expected)
        {
            ReconnectPolicy policy = Restored(new BackoffConfig(), Owing(5000, notBefore));
            policy.OnBoot(0, bootUtc, 0);
            Assert.AreEqual(expected, policy.MillisecondsUntilAttempt(0));
        }

        [TestMethod]
        public void WriteRecord_ClockUnknownAtTheEpochOrConnected_EndAndOwedAsKnown()
        {
            ReconnectPolicy policy = Booted(new BackoffConfig(), 0);
            policy.OnAttemptFailed(0, ConnectFailure.Network, 500);
            policy.OnAttemptFailed(0, ConnectFailure.Network, 500); // 1,500 ms owed
            Assert.AreEqual(-1L, ReadBack(policy, -1).NotBeforeUtc);
            Assert.AreEqual(2L, ReadBack(policy, 0).NotBeforeUtc);
            policy.OnConnected(0); // connected (here while a wait was still pending): nothing is owed
            Assert.AreEqual(0L, ReadBack(policy, Utc).OwedMs);
        }

        [TestMethod]
        public void OnBoot_EnteringSafeModeWhileOwingLonger_KeepsTheLongerWait()
        {
            ReconnectRecord record = Owing(10000000, -1);
            record.Boots = 4;
            record.FirstUnstableBootUtc = Utc;
            ReconnectPolicy policy = Restored(new BackoffConfig(), record);
            policy.OnBoot(0, Utc + 60, 0);
            Assert.IsTrue(policy.SafeMode);
            Assert.AreEqual(10000000L, policy.MillisecondsUntilAttempt(0));
        }

        [TestMethod]
        public void TryReadRecord_SafeModeAndRefusals_LongerAuthenticationCoolDownWins()
        {
            ReconnectRecord record = Owing(0, -1);
            record.AuthenticationFailures = 3;
            record.SafeMode = true;
            ReconnectPolicy policy = Restored(new BackoffConfig(), record);
            Assert.AreEqual(3, policy.AuthenticationFailures);
            policy.OnBoot(0, Utc, 0);
            // Fourth refusal: 3.6e6..7.2e6 ms, random 0 gives 3.6e6; safe mode's 1.8e6..3.6e6 gives 1.8e6.
            long wait = policy.OnAttemptFailed(0, ConnectFailure.Authentication, 0);
            Assert.AreEqual(3600000L, wait);
        }

        [TestMethod]
        public void OnAttemptFailed_Throttled_HintUpToTwiceTheMinimum()
        {
            ReconnectPolicy policy = Booted(new BackoffConfig(), 19);
            long wait = policy.OnAttemptFailed(0, ConnectFailure.Throttled, 60000);
            Assert.AreEqual(120000L, wait);
        }

        [TestMethod]
        public void States_BootRefusalConnectStableLoss_EachReported()
        {
            BackoffConfig config = new BackoffConfig();
            ReconnectPolicy policy = new ReconnectPolicy(config);
            policy.OnBoot(0, Utc, 0);
            Assert.IsTrue(policy.Dirty);
            Assert.IsFalse(policy.Stable);
            Assert.AreEqual(1, policy.BootsWithoutStableConnection);
            Save(policy, 0, Utc);
            Assert.IsFalse(policy.Dirty);
            policy.TryBeginAttempt(0);
            Assert.AreEqual(1, policy.AttemptsSinceBoot);
            long wait = policy.OnAttemptFailed(0, ConnectFailure.Authentication, 0);
            Assert.IsFalse(policy.Stable);
            policy.OnConnected(wait);
            Assert.IsTrue(policy.Connected);
            Assert.AreEqual(long.MaxValue, policy.MillisecondsUntilAttempt(wait));
            long stableAt = wait + config.StableAfterMs;
            bool becameStable = policy.Tick(stableAt);
            Assert.IsTrue(becameStable);
            Assert.AreEqual(0, policy.AuthenticationFailures);
            becameStable = policy.Tick(stableAt + 1);
            Assert.IsFalse(becameStable);
            Save(policy, stableAt, Utc);
            policy.OnDisconnected(stableAt + 1, 0);
            Assert.IsFalse(policy.Stable);
            Assert.IsTrue(policy.Dirty);
            becameStable = policy.Tick(stableAt * 2);
            Assert.IsFalse(becameStable);
        }

        [TestMethod]
        public void Misuse_BeforeBootOrWithoutAConfigOrClass_ThrowsNamingIt()
        {
            ReconnectPolicy policy = new ReconnectPolicy(new BackoffConfig());
            System.Action until = () => policy.MillisecondsUntilAttempt(0);
            System.Action connected = () => policy.OnConnected(0);
            System.Action disconnected = () => policy.OnDisconnected(0, 0);
            System.Action failed = () => policy.OnAttemptFailed(0, ConnectFailure.Network, 0);
            Assert.ThrowsException(typeof(System.InvalidOperationException), until);
            Assert.ThrowsException(typeof(System.InvalidOperationException), connected);
            Assert.ThrowsException(typeof(System.InvalidOperationException), disconnected);
            Assert.ThrowsException(typeof(System.InvalidOperationException), failed);
            System.Action noConfig = () => new ReconnectPolicy(null);
            Assert.AreEqual("config", ThrownArgument.Name(noConfig));
            policy.OnBoot(0, Utc, 0);
            System.Action noClass = () => policy.OnAttemptFailed(0, ConnectFailure.None, 0);
            Assert.AreEqual("failure", ThrownArgument.Name(noClass));
        }

        [TestMethod]
        public void Misuse_Throws()
        {
            ReconnectPolicy policy = new ReconnectPolicy(new BackoffConfig());
            System.Action attemptBeforeBoot = () => policy.TryBeginAttempt(0);
            Assert.ThrowsException(typeof(System.InvalidOperationException), attemptBeforeBoot);
            policy.OnBoot(0, Utc, 0);
            System.Action failWithoutAFailure = () => policy.OnAttemptFailed(0, ConnectFailure.None, 0);
            Assert.ThrowsException(typeof(System.ArgumentException), failWithoutAFailure);
            BackoffConfig bad = new BackoffConfig();
            bad.FloorMs = 0;
            System.Action createWithZeroFloor = () => new ReconnectPolicy(bad);
            Assert.ThrowsException(typeof(System.ArgumentException), createWithZeroFloor);
        }

        private static ReconnectPolicy Booted(BackoffConfig config, uint seed)
        {
            ReconnectPolicy policy = new ReconnectPolicy(config);
            policy.OnBoot(0, Utc, seed);
            return policy;
        }

        private static ReconnectRecord Owing(long owedMs, long notBeforeUtc)
        {
            ReconnectRecord record = new ReconnectRecord();
            record.FirstUnstableBootUtc = -1;
            record.OwedMs = owedMs;
            record.NotBeforeUtc = notBeforeUtc;
            record.ThrottleUntilUtc = -1;
            return record;
        }

        private static ReconnectPolicy Restored(BackoffConfig config, ReconnectRecord record)
        {
            RecordWriter writer = new RecordWriter(new byte[ReconnectPolicy.RecordSize]);
            record.Write(writer);
            ReconnectPolicy policy = new ReconnectPolicy(config);
            bool read = policy.TryReadRecord(writer.Buffer, 0, writer.Length);
            Assert.IsTrue(read);
            return policy;
        }

        private static ReconnectRecord ReadBack(ReconnectPolicy policy, long utc)
        {
            byte[] saved = Save(policy, 0, utc);
            ReconnectRecord record = new ReconnectRecord();
            bool read = record.TryRead(saved, 0, saved.Length);
            Assert.IsTrue(read);
            return record;
        }

        private static byte[] Save(ReconnectPolicy policy, long nowMs, long utc)
        {
            RecordWriter writer = new RecordWriter(new byte[ReconnectPolicy.RecordSize]);
            policy.WriteRecord(writer, nowMs, utc);
            return TestBytes.Slice(writer.Buffer, 0, writer.Length);
        }

        private static void Persist(RecordStore store, ReconnectPolicy policy, long nowMs, long utc)
        {
            byte[] record = Save(policy, nowMs, utc);
            StorageStatus status = store.Save(record, 0, record.Length);
            Assert.AreEqual((int)StorageStatus.Ok, (int)status);
        }

        private static ReconnectPolicy RebootWithStore(MemoryFileStore flash, BackoffConfig config, long utc)
        {
            return RebootWithStore(flash, config, utc, false);
        }

        private static ReconnectPolicy RebootWithStore(MemoryFileStore flash, BackoffConfig config, long utc, bool planned)
        {
            RecordStore store = new RecordStore(flash, "state/reconnect", ReconnectPolicy.RecordSize);
            ReconnectPolicy policy = new ReconnectPolicy(config);
            bool found;
            store.Load(out found);
            if (found)
            {
                policy.TryReadRecord(store.Payload, store.PayloadOffset, store.PayloadLength);
            }

            policy.OnBoot(0, utc, 1, planned);
            Persist(store, policy, 0, utc);
            return policy;
        }
    }
}
