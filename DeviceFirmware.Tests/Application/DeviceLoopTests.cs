using SecureDevice.Core;
using nanoFramework.TestFramework;
using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Telemetry;
using SecureDevice.Doubles;
using SecureDevice.Tests.Support;
using SecureDevice.Core.Time;

namespace SecureDevice.Tests.Application
{
    /// <summary>The main loop's guard: an exception in the agent becomes a recorded fault and a backed-off reboot.</summary>
    [TestClass]
    public class DeviceLoopTests
    {
        [TestMethod]
        public void Step_AgentThrows_FaultRecordedAndRebootAfterBackoff()
        {
            MemoryFileStore flash = new MemoryFileStore();
            ScriptedTransport transport = new ScriptedTransport();
            transport.ThrowOnPublishTo = "devices/dev-001/up/health";
            BootSession session = BootSession.Begin(flash, false);
            DeviceLoop loop = Loop(flash, transport, session);
            long now = 0;
            for (int i = 0; i < 1000 && !loop.RebootRequested; i++)
            {
                long sleep = loop.Step(new StepInput(now, TestConfig.Utc + (now / 1000), true, 4000));
                now += sleep < 1 ? 1 : (sleep > 1000 ? 1000 : sleep);
            }

            bool rebootRequested = loop.RebootRequested;
            Assert.IsTrue(rebootRequested);
            BootReason reason = loop.RebootReason;
            Assert.AreEqual((int)BootReason.Fault, (int)reason);
            long delay = loop.RebootDelayMs;
            Assert.AreEqual(FaultLog.RebootBaseMs, delay);
            int faults = loop.Faults;
            Assert.AreEqual(1, faults);

            BootSession next = BootSession.Begin(flash, false);
            reason = next.Tracker.Reason;
            Assert.AreEqual((int)BootReason.Fault, (int)reason);
            FaultCode code = next.Faults.Code;
            Assert.AreEqual((int)FaultCode.MainLoop, (int)code);
            string detail = next.Faults.Detail;
            Assert.AreEqual("InvalidOperationException: scripted", detail);

            // A second fault in a row may wait twice as long (random 9000 reaches 10 s only under a 10 s ceiling).
            DeviceLoop again = Loop(flash, transport, next);
            for (int i = 0; i < 1000 && !again.RebootRequested; i++)
            {
                again.Step(new StepInput(now, TestConfig.Utc, true, 9000));
                now += 1000;
            }

            delay = again.RebootDelayMs;
            Assert.AreEqual(2 * FaultLog.RebootBaseMs, delay);
        }

        [TestMethod]
        public void Step_AfterRebootRequested_DoesNotStepTheAgentAgain()
        {
            MemoryFileStore flash = new MemoryFileStore();
            ScriptedTransport transport = new ScriptedTransport();
            transport.ThrowOnPublishTo = "devices/dev-001/up/status";
            DeviceLoop loop = Loop(flash, transport, BootSession.Begin(flash, false));
            long now = 0;
            while (!loop.RebootRequested && now < 600000)
            {
                loop.Step(new StepInput(now, TestConfig.Utc, true, 7));
                now += 1000;
            }

            int published = transport.Published.Count;
            long sleep = loop.Step(new StepInput(now, TestConfig.Utc, true, 7));
            Assert.AreEqual(loop.RebootDelayMs, sleep);
            int publishedAfter = transport.Published.Count;
            Assert.AreEqual(published, publishedAfter);
            loop.Shutdown();
        }

        private static DeviceLoop Loop(MemoryFileStore flash, ScriptedTransport transport, BootSession session)
        {
            DeviceAgent agent = new DeviceAgent(TestConfig.Create("dev-001"), transport, flash, new BackoffConfig(), new FakeHealthSource(), session);
            agent.Start(0);
            return new DeviceLoop(session, agent);
        }
    }
}
