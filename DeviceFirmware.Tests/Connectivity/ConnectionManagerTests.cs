using SecureDevice.Core;
using nanoFramework.TestFramework;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;
using SecureDevice.Core.Time;

namespace SecureDevice.Tests.Connectivity
{
    [TestClass]
    public class ConnectionManagerTests
    {
        private const long Utc = TestConfig.Utc;

        [TestMethod]
        public void Step_WaitsForNetworkThenTimeBeforeAnyAttempt()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            long wait = manager.Step(new StepInput(0, Utc, false, 1));
            Assert.AreEqual(1000L, wait);
            ConnectionState state = manager.State;
            Assert.AreEqual((int)ConnectionState.WaitingForNetwork, (int)state);
            wait = manager.Step(new StepInput(0, -1, true, 1));
            Assert.AreEqual(1000L, wait);
            state = manager.State;
            Assert.AreEqual((int)ConnectionState.WaitingForTime, (int)state);
            Assert.AreEqual(1000L, manager.Step(new StepInput(0, 946684800, true, 1)), "an RTC at 2000-01-01 is not synchronised time");
            int attempts = transport.ConnectCalls;
            Assert.AreEqual(0, attempts);
        }

        [TestMethod]
        public void Step_ConnectsWithWillSubscribesAndAnnouncesOnline()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            long now = ConnectAfterBootWindow(manager, 0);
            ConnectionState state = manager.State;
            Assert.AreEqual((int)ConnectionState.Connected, (int)state);
            int attempts = transport.ConnectCalls;
            Assert.AreEqual(1, attempts);
            MqttConnectOptions options = transport.LastOptions;
            string clientId = options.ClientId;
            Assert.AreEqual("dev-001", clientId);
            string willTopic = options.WillTopic;
            Assert.AreEqual("devices/dev-001/up/status", willTopic);
            string willMessage = options.WillMessage;
            Assert.AreEqual("offline", willMessage);
            bool retain = options.WillRetain;
            Assert.IsTrue(retain);
            int qos = options.WillQos;
            Assert.AreEqual(1, qos);
            int keepAliveS = options.KeepAliveSeconds;
            Assert.AreEqual(60, keepAliveS);
            string subscribed = (string)transport.Subscribed[0];
            Assert.AreEqual("devices/dev-001/down/#", subscribed);
            string published = (string)transport.Published[0];
            Assert.AreEqual("devices/dev-001/up/status|online|1|retain", published);
            ConnectionCounters counters = manager.Counters;
            attempts = counters.Attempts;
            Assert.AreEqual(1, attempts);
            int connects = counters.Connects;
            Assert.AreEqual(1, connects);
            long wait = manager.Step(new StepInput(now, Utc, true, 2));
            Assert.AreEqual(1000L, wait);
        }

        [TestMethod]
        public void Step_NeverAttemptsBeforeThePolicyAllows()
        {
            // Property: over a long run with every attempt failing, attempts happen only at the times the policy set.
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            TestRandom random = new TestRandom(3);
            long now = 0;
            for (int step = 0; step < 2000; step++)
            {
                transport.ScriptConnect(ConnectFailure.Network, -1);
                long due = manager.State == ConnectionState.WaitingToRetry ? manager.Policy.NextAttemptMs : 0;
                int before = transport.ConnectCalls;
                long wait = manager.Step(new StepInput(now, Utc + (now / 1000), true, random.NextUInt()));
                if (transport.ConnectCalls > before)
                {
                    Assert.IsTrue(now >= due, "attempt at " + now + " before " + due);
                }

                now += wait > 0 ? (random.Next(2) == 0 ? wait : 1 + random.Next((int)(wait > 100000 ? 100000 : wait))) : 1;
            }

            // Past the first minutes the device averages one attempt per several minutes (cap 900 s, full jitter).
            Assert.IsTrue(transport.ConnectCalls > 20, transport.ConnectCalls.ToString());
            Assert.IsTrue(now / transport.ConnectCalls > 200000, "mean interval " + (now / transport.ConnectCalls));
            int failedNetwork = manager.Counters.FailedNetwork;
            Assert.AreEqual(transport.ConnectCalls, failedNetwork);
        }

        [DataRow((int)ConnectFailure.Network, 4)]
        [DataRow((int)ConnectFailure.Tls, 4)]
        [DataRow((int)ConnectFailure.Authentication, 5)]
        [DataRow((int)ConnectFailure.Refused, 2)]
        [DataRow((int)ConnectFailure.Throttled, 3)]
        public void Step_FailuresAreClassifiedAndCounted(int failure, int reasonCode)
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            transport.ScriptConnect((ConnectFailure)failure, reasonCode);
            long now = ConnectAfterBootWindow(manager, 0);
            ConnectionState state = manager.State;
            Assert.AreEqual((int)ConnectionState.WaitingToRetry, (int)state);
            ConnectFailure lastFailure = manager.LastFailure;
            Assert.AreEqual(failure, (int)lastFailure);
            ConnectionCounters c = manager.Counters;
            int failures = c.FailedNetwork + c.FailedTls + c.FailedAuthentication + c.FailedRefused;
            Assert.AreEqual(1, failures);
            long wait = manager.Policy.LastDelayMs;
            if (failure == (int)ConnectFailure.Authentication)
            {
                failures = c.FailedAuthentication;
                Assert.AreEqual(1, failures);
                Assert.IsTrue(wait >= 450000, "authentication failures wait long: " + wait);
            }
        }

        [TestMethod]
        public void Step_AuthenticationFailuresAreReportedOnceConnected()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            transport.ScriptConnect(ConnectFailure.Authentication, 5);
            transport.ScriptConnect(ConnectFailure.Authentication, 5);
            long now = 0;
            while (manager.State != ConnectionState.Connected && now < 100000000)
            {
                now += manager.Step(new StepInput(now, Utc + (now / 1000), true, 9)) + 1;
            }

            int reported = manager.AuthenticationFailuresReported;
            Assert.AreEqual(2, reported);
        }

        [TestMethod]
        public void Step_RefusedSubscription_DisconnectsAndRetries()
        {
            ScriptedTransport transport = new ScriptedTransport();
            transport.SubscribeSucceeds = false;
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            ConnectAfterBootWindow(manager, 0);
            ConnectionState state = manager.State;
            Assert.AreEqual((int)ConnectionState.WaitingToRetry, (int)state);
            int disconnects = transport.DisconnectCalls;
            Assert.AreEqual(1, disconnects);
            int failures = manager.Counters.FailedRefused;
            Assert.AreEqual(1, failures);
        }

        [TestMethod]
        public void Step_LostConnection_IsDetectedAndRetriedThroughThePolicy()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            long now = ConnectAfterBootWindow(manager, 0);
            now += 400000;
            manager.Step(new StepInput(now, Utc + 400, true, 1));
            bool stable = manager.Policy.Stable;
            Assert.IsTrue(stable);
            transport.Drop();
            long wait = manager.Step(new StepInput(now, Utc + 400, true, 1));
            int disconnects = manager.Counters.Disconnects;
            Assert.AreEqual(1, disconnects);
            ConnectionState state = manager.State;
            Assert.AreEqual((int)ConnectionState.WaitingToRetry, (int)state);
            bool inFastPhase = wait <= 30000 && manager.Policy.InFastPhase(now);
            Assert.IsTrue(inFastPhase);
            Assert.AreEqual(1, transport.ConnectCalls, "no reconnect before the policy allows it");
        }

        [TestMethod]
        public void Start_RestoresThePolicyPersistedBeforeAReboot()
        {
            MemoryFileStore flash = new MemoryFileStore();
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager before = Create(transport, flash);
            for (int i = 0; i < 6; i++)
            {
                transport.ScriptConnect(ConnectFailure.Network, -1);
            }

            long now = 0;
            while (transport.ConnectCalls < 6)
            {
                now += manager(before, now) + 1;
            }

            bool exists = flash.Exists("state/reconnect");
            Assert.IsTrue(exists);
            ConnectionManager after = Create(new ScriptedTransport(), flash);
            after.Step(new StepInput(0, Utc + (now / 1000), true, 1));
            ReconnectPolicy policy = after.Policy;
            int failures = policy.ConsecutiveFailures;
            Assert.AreEqual(6, failures);
            int boots = policy.BootsWithoutStableConnection;
            Assert.AreEqual(2, boots);
        }

        [TestMethod]
        public void Publish_CountsBytesAndRefusesWhileOffline()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            int id;
            TransportStatus status = manager.Publish("devices/dev-001/up/health", new byte[5], 0, 5, 1, false, out id);
            Assert.AreEqual((int)TransportStatus.NotConnected, (int)status);
            ConnectAfterBootWindow(manager, 0);
            ConnectionCounters counters = manager.Counters;
            long before = counters.PayloadBytesUp;
            status = manager.Publish("devices/dev-001/up/health", new byte[5], 0, 5, 1, false, out id);
            Assert.AreEqual((int)TransportStatus.Ok, (int)status);
            long after = counters.PayloadBytesUp;
            Assert.AreEqual(before + 5, after);
            int sent = counters.MessagesUp;
            Assert.AreEqual(2, sent);
            manager.Step(new StepInput(1, Utc, true, 1));
            int count = counters.Acknowledged;
            Assert.AreEqual(2, count);
            int acknowledged;
            bool taken = manager.TryTakeAcknowledged(out acknowledged);
            Assert.IsTrue(taken);
            taken = manager.TryTakeAcknowledged(out acknowledged);
            Assert.IsTrue(taken);
            Assert.AreEqual(id, acknowledged);
        }

        [TestMethod]
        public void TryReceive_CountsInboundTraffic()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            ConnectAfterBootWindow(manager, 0);
            transport.Deliver("devices/dev-001/down/throttle", new byte[10]);
            transport.Deliver("devices/dev-001/down/throttle", new byte[300]);
            InboundMessage message = new InboundMessage(256);
            bool received = manager.TryReceive(message);
            Assert.IsTrue(received);
            int length = message.Length;
            Assert.AreEqual(10, length);
            received = manager.TryReceive(message);
            Assert.IsTrue(received);
            bool oversized = message.Oversized;
            Assert.IsTrue(oversized);
            length = message.OriginalLength;
            Assert.AreEqual(300, length);
            received = manager.TryReceive(message);
            Assert.IsFalse(received);
            ConnectionCounters counters = manager.Counters;
            int count = counters.MessagesDown;
            Assert.AreEqual(2, count);
            long bytes = counters.PayloadBytesDown;
            Assert.AreEqual(310L, bytes);
        }

        [TestMethod]
        public void CertificateDaysLeft_CountsWholeDaysAndGoesNegative()
        {
            ConnectionManager manager = Create(new ScriptedTransport(), new MemoryFileStore());
            // The test certificate expires at 2028-11-21T10:00:00Z (TestConfig): 1858413600.
            int days = manager.CertificateDaysLeft(Utc);
            Assert.AreEqual(730, days);
            days = manager.CertificateDaysLeft(1858413600L - 1);
            Assert.AreEqual(0, days);
            days = manager.CertificateDaysLeft(1858413600L + 1);
            Assert.AreEqual(-1, days);
        }

        [TestMethod]
        public void Disconnect_PublishesOfflineThenDisconnects()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            ConnectAfterBootWindow(manager, 0);
            manager.Disconnect();
            string published = (string)transport.Published[transport.Published.Count - 1];
            Assert.AreEqual("devices/dev-001/up/status|offline|1|retain", published);
            int disconnects = transport.DisconnectCalls;
            Assert.AreEqual(1, disconnects);
        }

        [TestMethod]
        public void Step_BeforeStart_Throws()
        {
            ConnectionManager manager = new ConnectionManager(TestConfig.Create("dev-001"), new ScriptedTransport(), new ReconnectPolicy(new BackoffConfig()), new MemoryFileStore());
            System.Action step = () => manager.Step(new StepInput(0, Utc, true, 0));
            Assert.ThrowsException(typeof(System.InvalidOperationException), step);
        }

        private static long manager(ConnectionManager manager, long now)
        {
            return manager.Step(new StepInput(now, Utc + (now / 1000), true, 5));
        }

        private static ConnectionManager Create(ScriptedTransport transport, MemoryFileStore flash)
        {
            ConnectionManager manager = new ConnectionManager(TestConfig.Create("dev-001"), transport, new ReconnectPolicy(new BackoffConfig()), flash);
            manager.Start();
            return manager;
        }

        // Steps until the first attempt has been made (the boot window is at most 30 s).
        private static long ConnectAfterBootWindow(ConnectionManager manager, long now)
        {
            int guard = 0;
            while (manager.Counters.Attempts == 0 && guard++ < 100)
            {
                now += manager.Step(new StepInput(now, Utc + (now / 1000), true, 12345));
            }

            return now;
        }
    }
}
