using nanoFramework.TestFramework;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;

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
            Assert.AreEqual(1000L, manager.Step(0, Utc, false, 1));
            Assert.AreEqual((int)ConnectionState.WaitingForNetwork, (int)manager.State);
            Assert.AreEqual(1000L, manager.Step(0, -1, true, 1));
            Assert.AreEqual((int)ConnectionState.WaitingForTime, (int)manager.State);
            Assert.AreEqual(1000L, manager.Step(0, 946684800, true, 1), "an RTC at 2000-01-01 is not synchronised time");
            Assert.AreEqual(0, transport.ConnectCalls);
        }

        [TestMethod]
        public void Step_ConnectsWithWillSubscribesAndAnnouncesOnline()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            long now = ConnectAfterBootWindow(manager, 0);
            Assert.AreEqual((int)ConnectionState.Connected, (int)manager.State);
            Assert.AreEqual(1, transport.ConnectCalls);
            Assert.AreEqual("dev-001", transport.LastOptions.ClientId);
            Assert.AreEqual("devices/dev-001/up/status", transport.LastOptions.WillTopic);
            Assert.AreEqual("offline", transport.LastOptions.WillMessage);
            Assert.IsTrue(transport.LastOptions.WillRetain);
            Assert.AreEqual(1, transport.LastOptions.WillQos);
            Assert.AreEqual(60, transport.LastOptions.KeepAliveSeconds);
            Assert.AreEqual("devices/dev-001/down/#", (string)transport.Subscribed[0]);
            Assert.AreEqual("devices/dev-001/up/status|online|1|retain", (string)transport.Published[0]);
            Assert.AreEqual(1, manager.Counters.Attempts);
            Assert.AreEqual(1, manager.Counters.Connects);
            Assert.AreEqual(1000L, manager.Step(now, Utc, true, 2));
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
                long wait = manager.Step(now, Utc + (now / 1000), true, random.NextUInt());
                if (transport.ConnectCalls > before)
                {
                    Assert.IsTrue(now >= due, "attempt at " + now + " before " + due);
                }

                now += wait > 0 ? (random.Next(2) == 0 ? wait : 1 + random.Next((int)(wait > 100000 ? 100000 : wait))) : 1;
            }

            // Past the first minutes the device averages one attempt per several minutes (cap 900 s, full jitter).
            Assert.IsTrue(transport.ConnectCalls > 20, transport.ConnectCalls.ToString());
            Assert.IsTrue(now / transport.ConnectCalls > 200000, "mean interval " + (now / transport.ConnectCalls));
            Assert.AreEqual(transport.ConnectCalls, manager.Counters.FailedNetwork);
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
            Assert.AreEqual((int)ConnectionState.WaitingToRetry, (int)manager.State);
            Assert.AreEqual(failure, (int)manager.LastFailure);
            ConnectionCounters c = manager.Counters;
            Assert.AreEqual(1, c.FailedNetwork + c.FailedTls + c.FailedAuthentication + c.FailedRefused);
            long wait = manager.Policy.LastDelayMs;
            if (failure == (int)ConnectFailure.Authentication)
            {
                Assert.AreEqual(1, c.FailedAuthentication);
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
                now += manager.Step(now, Utc + (now / 1000), true, 9) + 1;
            }

            Assert.AreEqual(2, manager.AuthenticationFailuresReported);
        }

        [TestMethod]
        public void Step_RefusedSubscription_DisconnectsAndRetries()
        {
            ScriptedTransport transport = new ScriptedTransport();
            transport.SubscribeSucceeds = false;
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            ConnectAfterBootWindow(manager, 0);
            Assert.AreEqual((int)ConnectionState.WaitingToRetry, (int)manager.State);
            Assert.AreEqual(1, transport.DisconnectCalls);
            Assert.AreEqual(1, manager.Counters.FailedRefused);
        }

        [TestMethod]
        public void Step_LostConnection_IsDetectedAndRetriedThroughThePolicy()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            long now = ConnectAfterBootWindow(manager, 0);
            now += 400000;
            manager.Step(now, Utc + 400, true, 1);
            Assert.IsTrue(manager.Policy.Stable);
            transport.Drop();
            long wait = manager.Step(now, Utc + 400, true, 1);
            Assert.AreEqual(1, manager.Counters.Disconnects);
            Assert.AreEqual((int)ConnectionState.WaitingToRetry, (int)manager.State);
            Assert.IsTrue(wait <= 30000 && manager.Policy.InFastPhase(now));
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

            Assert.IsTrue(flash.Exists("state/reconnect"));
            ConnectionManager after = Create(new ScriptedTransport(), flash);
            after.Step(0, Utc + (now / 1000), true, 1);
            Assert.AreEqual(6, after.Policy.ConsecutiveFailures);
            Assert.AreEqual(2, after.Policy.BootsWithoutStableConnection);
        }

        [TestMethod]
        public void Publish_CountsBytesAndRefusesWhileOffline()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            int id;
            Assert.AreEqual((int)TransportStatus.NotConnected, (int)manager.Publish("devices/dev-001/up/health", new byte[5], 0, 5, 1, false, out id));
            ConnectAfterBootWindow(manager, 0);
            long before = manager.Counters.PayloadBytesUp;
            Assert.AreEqual((int)TransportStatus.Ok, (int)manager.Publish("devices/dev-001/up/health", new byte[5], 0, 5, 1, false, out id));
            Assert.AreEqual(before + 5, manager.Counters.PayloadBytesUp);
            Assert.AreEqual(2, manager.Counters.MessagesUp);
            manager.Step(1, Utc, true, 1);
            Assert.AreEqual(2, manager.Counters.Acknowledged);
            int acknowledged;
            Assert.IsTrue(manager.TryTakeAcknowledged(out acknowledged));
            Assert.IsTrue(manager.TryTakeAcknowledged(out acknowledged));
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
            Assert.IsTrue(manager.TryReceive(message));
            Assert.AreEqual(10, message.Length);
            Assert.IsTrue(manager.TryReceive(message));
            Assert.IsTrue(message.Oversized);
            Assert.AreEqual(300, message.OriginalLength);
            Assert.IsFalse(manager.TryReceive(message));
            Assert.AreEqual(2, manager.Counters.MessagesDown);
            Assert.AreEqual(310L, manager.Counters.PayloadBytesDown);
        }

        [TestMethod]
        public void CertificateDaysLeft_CountsWholeDaysAndGoesNegative()
        {
            ConnectionManager manager = Create(new ScriptedTransport(), new MemoryFileStore());
            Assert.AreEqual(730, manager.CertificateDaysLeft(Utc));
            Assert.AreEqual(0, manager.CertificateDaysLeft(1858413600L - 1));
            Assert.AreEqual(-1, manager.CertificateDaysLeft(1858413600L + 1));
        }

        [TestMethod]
        public void Disconnect_PublishesOfflineThenDisconnects()
        {
            ScriptedTransport transport = new ScriptedTransport();
            ConnectionManager manager = Create(transport, new MemoryFileStore());
            ConnectAfterBootWindow(manager, 0);
            manager.Disconnect();
            Assert.AreEqual("devices/dev-001/up/status|offline|1|retain", (string)transport.Published[transport.Published.Count - 1]);
            Assert.AreEqual(1, transport.DisconnectCalls);
        }

        [TestMethod]
        public void Step_BeforeStart_Throws()
        {
            ConnectionManager manager = new ConnectionManager(TestConfig.Create("dev-001"), new ScriptedTransport(), new ReconnectPolicy(new BackoffConfig()), new MemoryFileStore());
            Assert.ThrowsException(typeof(System.InvalidOperationException), () => manager.Step(0, Utc, true, 0));
        }

        private static long manager(ConnectionManager manager, long now)
        {
            return manager.Step(now, Utc + (now / 1000), true, 5);
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
                now += manager.Step(now, Utc + (now / 1000), true, 12345);
            }

            return now;
        }
    }
}
