using SecureDevice.Core;
using nanoFramework.TestFramework;
using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;
using SecureDevice.Core.Time;

namespace SecureDevice.Tests.Connectivity
{
    [TestClass]
    public class DeviceAgentTests
    {
        private const long Utc = TestConfig.Utc;

        [TestMethod]
        public void Step_BootThenPeriodicReports()
        {
            ScriptedTransport transport = new ScriptedTransport();
            DeviceAgent agent = Create(transport, new FakeHealthSource());
            long now = RunUntil(agent, 0, 100000, Connected);
            now = Run(agent, now, 1000);
            int reports = CountHealth(transport);
            Assert.AreEqual(1, reports);
            int acknowledged = agent.HealthReportsAcknowledged;
            Assert.AreEqual(1, acknowledged);
            string first = Health(transport, 0);
            Assert.StartsWith("devices/dev-001/up/health|", first);
            Assert.EndsWith("|1|-", first);

            // Six hours later: about 72 reports of 300 s ± 10 %.
            now = Run(agent, now, 6 * 3600000L);
            reports = CountHealth(transport);
            Assert.IsTrue(reports >= 66 && reports <= 81, reports.ToString());
        }

        [TestMethod]
        public void Step_OfflineSendsNewestOnly()
        {
            ScriptedTransport transport = new ScriptedTransport();
            DeviceAgent agent = Create(transport, new FakeHealthSource());
            long now = RunUntil(agent, 0, 100000, Connected);
            now = Run(agent, now, 1000);
            int before = CountHealth(transport);
            for (int i = 0; i < 200; i++)
            {
                transport.ScriptConnect(ConnectFailure.Network, -1);
            }

            transport.Drop();
            now = Run(agent, now, 3 * 3600000L);
            Assert.AreEqual(before, CountHealth(transport)); // nothing published while offline
            transport.ClearScript();

            now = RunUntil(agent, now, 4 * 3600000L, Connected);
            now = Run(agent, now, 2000);
            Assert.AreEqual(before + 1, CountHealth(transport)); // one catch-up report, not one per missed interval
        }

        [TestMethod]
        public void Step_ThrottleCommandsAreAppliedAndBadOnesCounted()
        {
            ScriptedTransport transport = new ScriptedTransport();
            DeviceAgent agent = Create(transport, new FakeHealthSource());
            long now = RunUntil(agent, 0, 100000, Connected);
            transport.Deliver("devices/dev-001/down/throttle", TestBytes.Utf8("{\"rate\":6,\"until\":\"2026-11-22T11:00:00Z\"}"));
            transport.Deliver("devices/dev-001/down/throttle", TestBytes.Utf8("{\"rate\":-6,\"until\":\"2026-11-22T11:00:00Z\"}"));
            transport.Deliver("devices/dev-001/down/throttle", new byte[5000]);
            transport.Deliver("devices/dev-001/down/unknown", TestBytes.Utf8("{}"));
            agent.Step(new StepInput(now, Utc, true, 1));
            int applied = agent.ThrottleCommandsApplied;
            Assert.AreEqual(1, applied);
            int rejected = agent.Connection.Counters.InboundRejected;
            Assert.AreEqual(3, rejected);
            bool throttled = agent.Limiter.Throttled(now);
            Assert.IsTrue(throttled);
            throttled = agent.Connection.Policy.IsThrottled(now);
            Assert.IsTrue(throttled);
        }

        [TestMethod]
        public void Start_ThrottledBeforeReboot_PublishingStillPaced()
        {
            // One throttle window, persisted by the reconnect policy and followed by the publish limiter.
            ScriptedTransport transport = new ScriptedTransport();
            MemoryFileStore store = new MemoryFileStore();
            DeviceAgent before = Create(transport, new FakeHealthSource(), store);
            long now = RunUntil(before, 0, 100000, Connected);
            transport.Deliver("devices/dev-001/down/throttle", TestBytes.Utf8("{\"rate\":6,\"until\":\"2026-11-22T11:00:00Z\"}"));
            before.Step(new StepInput(now, Utc, true, 1));
            DeviceAgent after = Create(new ScriptedTransport(), new FakeHealthSource(), store);
            after.Step(new StepInput(0, Utc + 60, true, 1));
            bool throttled = after.Limiter.Throttled(1000);
            Assert.IsTrue(throttled);
            PublishDecision first = after.Limiter.Decide(MessageClass.Event, 1000, false);
            PublishDecision second = after.Limiter.Decide(MessageClass.Event, 2000, false);
            Assert.AreEqual((int)PublishDecision.Send, (int)first);
            Assert.AreEqual((int)PublishDecision.Drop, (int)second);
        }

        [TestMethod]
        public void Step_InvalidReadings_OneEvent()
        {
            ScriptedTransport transport = new ScriptedTransport();
            FakeHealthSource sensors = new FakeHealthSource();
            sensors.Supply = -5;
            DeviceAgent agent = Create(transport, sensors);
            long now = RunUntil(agent, 0, 100000, Connected);
            now = Run(agent, now, 3600000);
            int events = 0;
            for (int i = 0; i < transport.Published.Count; i++)
            {
                events += ((string)transport.Published[i]).StartsWith("devices/dev-001/up/events|{\"e\":\"invalid-reading\"}") ? 1 : 0;
            }

            Assert.AreEqual(1, events);
        }

        [TestMethod]
        public void Start_UnreportedFault_PublishedOnce()
        {
            MemoryFileStore store = new MemoryFileStore();
            FaultLog log = new FaultLog(store);
            log.Load();
            string detail = "IndexOutOfRangeException: x";
            log.Record(FaultCode.MainLoop, detail);
            ScriptedTransport transport = new ScriptedTransport();
            DeviceAgent agent = new DeviceAgent(TestConfig.Create("dev-001"), transport, store, new BackoffConfig(), new FakeHealthSource(), BootSession.Begin(store, false));
            agent.Start(0);
            Run(agent, 0, 120000);

            int events = 0;
            string expected = "devices/dev-001/up/events|{\"e\":\"fault\",\"code\":\"main-loop\",\"count\":1,\"boot\":1,\"detail\":\"" + detail + "\"}|1|";
            for (int i = 0; i < transport.Published.Count; i++)
            {
                events += ((string)transport.Published[i]).StartsWith(expected) ? 1 : 0;
            }

            Assert.AreEqual(1, events);
            bool unreported = agent.Faults.Unreported;
            Assert.IsFalse(unreported);
            FaultLog after = new FaultLog(store);
            after.Load();
            unreported = after.Unreported;
            Assert.IsFalse(unreported);
        }

        private static DeviceAgent Create(ScriptedTransport transport, FakeHealthSource sensors)
        {
            return Create(transport, sensors, new MemoryFileStore());
        }

        private static DeviceAgent Create(ScriptedTransport transport, FakeHealthSource sensors, MemoryFileStore store)
        {
            DeviceAgent agent = new DeviceAgent(TestConfig.Create("dev-001"), transport, store, new BackoffConfig(), sensors, BootSession.Begin(store, false));
            agent.Start(0);
            return agent;
        }

        private static long Run(DeviceAgent agent, long now, long duration)
        {
            long end = now + duration;
            while (now < end)
            {
                now = After(now, agent.Step(new StepInput(now, Utc + (now / 1000), true, (uint)now)));
            }

            return now;
        }

        // At least 1 ms later; a sleep past the end of time (a bug that says "never") stops at long.MaxValue, so the loops end
        // and the test fails on its asserts instead of wrapping round and spinning.
        private static long After(long now, long sleep)
        {
            return sleep > long.MaxValue - now ? long.MaxValue : now + (sleep < 1 ? 1 : sleep);
        }

        private delegate bool Condition(DeviceAgent agent);

        private static bool Connected(DeviceAgent agent)
        {
            return agent.Connection.State == ConnectionState.Connected;
        }

        private static long RunUntil(DeviceAgent agent, long now, long limit, Condition condition)
        {
            long end = now + limit;
            while (now < end && !condition(agent))
            {
                now = After(now, agent.Step(new StepInput(now, Utc + (now / 1000), true, (uint)now)));
            }

            Assert.IsTrue(condition(agent));
            return now;
        }

        private static int CountHealth(ScriptedTransport transport)
        {
            int count = 0;
            for (int i = 0; i < transport.Published.Count; i++)
            {
                count += ((string)transport.Published[i]).StartsWith("devices/dev-001/up/health|") ? 1 : 0;
            }

            return count;
        }

        private static string Health(ScriptedTransport transport, int index)
        {
            int seen = 0;
            for (int i = 0; i < transport.Published.Count; i++)
            {
                string entry = (string)transport.Published[i];
                if (entry.StartsWith("devices/dev-001/up/health|") && seen++ == index)
                {
                    return entry;
                }
            }

            return null;
        }
    }
}
