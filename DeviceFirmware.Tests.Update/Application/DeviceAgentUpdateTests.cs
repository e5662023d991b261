using SecureDevice.Core;
using nanoFramework.TestFramework;
using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Update;
using SecureDevice.Tests.Support;
using SecureDevice.Doubles;
using SecureDevice.Core.Time;

namespace SecureDevice.Tests.Application
{
    /// <summary>The agent wired to the update engine as the firmware wires them: offers over MQTT, events back, reboot requests.</summary>
    [TestClass]
    public class DeviceAgentUpdateTests
    {
        private const long Utc = TestConfig.Utc;

        [TestMethod]
        public void Offer_OverMqtt_StagesPublishesEventsAndConfirmsAfterHealthAck()
        {
            TestRandom random = new TestRandom(600);
            TestBundle factory = UpdateBundles.Factory(random);
            UpdateRig rig = new UpdateRig(factory, 600);
            string url = rig.Publish(rig.Release(), "1.1.0");
            StageOverMqtt(rig, url);

            ScriptedTransport second = new ScriptedTransport();
            DeviceAgent tested = Boot(rig, second);
            BootReason reason = tested.Boot.Reason;
            Assert.AreEqual((int)BootReason.Update, (int)reason);
            bool testing = tested.Application.Testing;
            Assert.IsTrue(testing);
            string version = tested.Application.Version.ToString();
            Assert.AreEqual("1.1.0", version);
            RunUntil(tested, 0, 100000, false);
            long later = 0;
            for (int i = 0; i < 2000 && tested.Updates.Status.State == UpdateState.Testing; i++)
            {
                long sleep = tested.Step(new StepInput(later, Utc + (later / 1000), true, (uint)i));
                later += sleep < 1 ? 1 : (sleep > 1000 ? 1000 : sleep);
            }

            int outcome = (int)tested.Updates.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Confirmed, outcome);
            testing = tested.Application.Testing;
            Assert.IsFalse(testing);
            outcome = (int)tested.Application.LastUpdateOutcome;
            Assert.AreEqual((int)UpdateOutcome.Confirmed, outcome);
            string confirmed = LastEvent(second);
            Assert.AreEqual(0, confirmed.IndexOf(UpdateEvents.Prefix("idle", "confirmed", 1, 2)), confirmed);
            bool rebootRequested = tested.RebootRequested;
            Assert.IsFalse(rebootRequested);
        }

        [TestMethod]
        public void Offer_WithoutUpdateEngine_CountedAsRejected()
        {
            ScriptedTransport transport = new ScriptedTransport();
            MemoryFileStore store = new MemoryFileStore();
            DeviceAgent agent = new DeviceAgent(TestConfig.Create("dev-001"), transport, store, new BackoffConfig(), new FakeHealthSource(), BootSession.Begin(store, false));
            agent.Start(0);
            long now = RunUntil(agent, 0, 100000, false);
            transport.Deliver("devices/dev-001/down/update", TestBytes.Utf8("{\"url\":\"https://updates.example/b/\"}"));
            agent.Step(new StepInput(now, Utc, true, 1));
            int rejected = agent.Connection.Counters.InboundRejected;
            Assert.AreEqual(1, rejected);
        }

        [TestMethod]
        public void Testing_CandidateNeverGetsHealthAck_RevertRequestedAfterTimeLimit()
        {
            UpdateRig rig = UpdateRig.Booted(601);
            rig.Stage(rig.Release());

            ScriptedTransport transport = new ScriptedTransport();
            transport.AutoAcknowledge = false;
            DeviceAgent agent = Boot(rig, transport);
            bool testing = agent.Application.Testing;
            Assert.IsTrue(testing);
            long now = RunUntil(agent, 0, Probation.DefaultTimeoutMs + 60000, true);
            bool timedOut = now >= Probation.DefaultTimeoutMs;
            Assert.IsTrue(timedOut);
            BootReason reason = agent.RebootReason;
            Assert.AreEqual((int)BootReason.Revert, (int)reason);
            int outcome = (int)agent.Application.LastUpdateOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedTimeout, outcome);
        }

        [TestMethod]
        public void Reboot_WaitsForThePubackOfItsEvent()
        {
            UpdateRig rig = UpdateRig.Booted(602);
            string url = rig.Publish(rig.Release(), "1.1.0");
            ScriptedTransport transport = new ScriptedTransport();
            transport.HoldAcknowledgementsOf = "devices/dev-001/up/update";
            DeviceAgent agent = Boot(rig, transport);
            long now = RunUntil(agent, 0, 100000, false);
            transport.Deliver("devices/dev-001/down/update", TestBytes.Utf8("{\"url\":\"" + url + "\"}"));
            for (int i = 0; i < 400 && agent.Updates.Status.State != UpdateState.Staged; i++)
            {
                now += Step(agent, now);
            }

            long staged = now;
            now += Step(agent, now);
            bool rebootRequested = agent.Updates.Status.RebootRequested;
            Assert.IsTrue(rebootRequested);
            Assert.IsFalse(agent.RebootRequested, "the staged event is not acknowledged yet");
            transport.ReleaseHeld();
            Step(agent, now);
            rebootRequested = agent.RebootRequested;
            Assert.IsTrue(rebootRequested);
            bool withinGrace = now - staged < UpdateLink.RebootGraceMs;
            Assert.IsTrue(withinGrace);
            bool waiting = agent.Pending.Waiting;
            Assert.IsFalse(waiting);
        }

        [TestMethod]
        public void Reboot_NoPubackInTime_EventKeptAndPublishedAfterBoot()
        {
            UpdateRig rig = UpdateRig.Booted(603);
            string url = rig.Publish(rig.Release(), "1.1.0");
            string kept = StageWithoutPuback(rig, url);

            ScriptedTransport second = new ScriptedTransport();
            DeviceAgent tested = Boot(rig, second);
            Assert.IsTrue(tested.Pending.Waiting, "still on flash after the reboot");
            RunUntil(tested, 0, 100000, false);
            Step(tested, 0);
            bool published = Published(second, "devices/dev-001/up/update|" + kept + "|");
            Assert.IsTrue(published);
            Assert.IsFalse(tested.Pending.Waiting, "cleared once acknowledged");
        }

        [TestMethod]
        public void ApplicationFailure_ReportedOnItsThread_ActedOnByTheMainLoop()
        {
            UpdateRig rig = UpdateRig.Booted(604);
            rig.Stage(rig.Release());
            ScriptedTransport transport = new ScriptedTransport();
            DeviceAgent agent = Boot(rig, transport);
            bool testing = agent.Application.Testing;
            Assert.IsTrue(testing);

            System.Threading.Thread application = new System.Threading.Thread(() => agent.Application.ReportFailure("boom"));
            application.Start();
            application.Join();
            Assert.AreEqual((int)UpdateState.Testing, (int)agent.Updates.Status.State, "the application thread only sets a flag");

            Step(agent, 0);
            int outcome = (int)agent.Updates.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.RevertedAppFailed, outcome);
            FaultLog faults = agent.Faults;
            FaultCode code = faults.Code;
            Assert.AreEqual((int)FaultCode.ApplicationFailed, (int)code);
            string detail = faults.Detail;
            Assert.AreEqual("boom", detail);
        }

        // The confirmation raises the floor, but the flash refuses the floor record: the agent records the fault and
        // publishes it, so the service hears that the device's rollback protection rests on the journal alone; its health
        // reports carry the flag while the record lags.
        [TestMethod]
        public void Confirm_FloorRecordSaveFails_FaultPublished()
        {
            UpdateRig rig = UpdateRig.Booted(605);
            rig.Stage(rig.Release());
            FaultyFileStore store = new FaultyFileStore(rig.Flash);
            store.FailPrefix = FloorStore.Path;
            rig.Boot(store);
            ScriptedTransport transport = new ScriptedTransport();
            DeviceAgent agent = new DeviceAgent(TestConfig.Create("dev-001"), transport, store, new BackoffConfig(), new FakeHealthSource(), rig.Session);
            agent.AttachUpdates(rig.Engine);
            agent.Start(0);
            long now = 0;
            for (int i = 0; i < 3000 && !Published(transport, "devices/dev-001/up/events|{\"e\":\"fault\""); i++)
            {
                now += Step(agent, now);
            }

            int outcome = (int)agent.Updates.Status.LastOutcome;
            Assert.AreEqual((int)UpdateOutcome.Confirmed, outcome);
            Assert.IsTrue(Published(transport, "devices/dev-001/up/events|{\"e\":\"fault\",\"code\":\"floor-save-failed\""));
            bool flag = agent.Application.FloorRecordLagging;
            Assert.IsTrue(flag);
        }

        // The boot of Offer_OverMqtt_... that stages: the offer arrives over MQTT (with a bad one), the agent publishes the
        // staged event and asks for a reboot. Each boot of a test runs in a method of its own, so that nothing of it stays
        // alive in the next, as on the board.
        private static void StageOverMqtt(UpdateRig rig, string url)
        {
            ScriptedTransport transport = new ScriptedTransport();
            DeviceAgent agent = Boot(rig, transport);
            string version = agent.Application.Version.ToString();
            Assert.AreEqual("1.0.0", version);
            long now = RunUntil(agent, 0, 100000, false);
            transport.Deliver("devices/dev-001/down/update", TestBytes.Utf8("{\"url\":\"" + url + "\"}"));
            transport.Deliver("devices/dev-001/down/update", TestBytes.Utf8("{\"url\":\"ftp://nope/\"}"));
            now = RunUntil(agent, now, 600000, true);
            BootReason reason = agent.RebootReason;
            Assert.AreEqual((int)BootReason.Update, (int)reason);
            int rejected = agent.Connection.Counters.InboundRejected;
            Assert.AreEqual(1, rejected);
            string staged = LastEvent(transport);
            Assert.AreEqual(0, staged.IndexOf(UpdateEvents.Prefix("staged", "staged", 11, 1)), staged);
            agent.Boot.BeforeReboot(agent.RebootReason);
        }

        // The boot of Reboot_NoPubackInTime_... that stages without a PUBACK for its event; returns the event kept on flash.
        private static string StageWithoutPuback(UpdateRig rig, string url)
        {
            ScriptedTransport transport = new ScriptedTransport();
            transport.HoldAcknowledgementsOf = "devices/dev-001/up/update";
            DeviceAgent agent = Boot(rig, transport);
            long now = RunUntil(agent, 0, 100000, false);
            transport.Deliver("devices/dev-001/down/update", TestBytes.Utf8("{\"url\":\"" + url + "\"}"));
            RunUntil(agent, now, 600000, true);
            bool waiting = agent.Pending.Waiting;
            Assert.IsTrue(waiting);
            string kept = new string(System.Text.Encoding.UTF8.GetChars(agent.Pending.Bytes, 0, agent.Pending.Length));
            Assert.AreEqual(0, kept.IndexOf("{\"state\":\"staged\""), kept);
            agent.Boot.BeforeReboot(agent.RebootReason);
            return kept;
        }

        private static long Step(DeviceAgent agent, long now)
        {
            long sleep = agent.Step(new StepInput(now, Utc + (now / 1000), true, (uint)now));
            return sleep < 1 ? 1 : (sleep > 1000 ? 1000 : sleep);
        }

        private static bool Published(ScriptedTransport transport, string prefix)
        {
            for (int i = 0; i < transport.Published.Count; i++)
            {
                if (((string)transport.Published[i]).StartsWith(prefix))
                {
                    return true;
                }
            }

            return false;
        }

        // Boots the device as the firmware does: the boot sequence (plan, verified load), the engine, the agent.
        private static DeviceAgent Boot(UpdateRig rig, ScriptedTransport transport)
        {
            rig.Boot();
            DeviceAgent agent = new DeviceAgent(TestConfig.Create("dev-001"), transport, rig.Flash, new BackoffConfig(), new FakeHealthSource(), rig.Session);
            agent.AttachUpdates(rig.Engine);
            agent.Start(0);
            return agent;
        }

        // Steps until connected (or, with `reboot`, until the agent asks for a reboot).
        private static long RunUntil(DeviceAgent agent, long now, long limit, bool reboot)
        {
            long end = now + limit;
            while (now < end && !(reboot ? agent.RebootRequested : agent.Connection.State == ConnectionState.Connected))
            {
                long sleep = agent.Step(new StepInput(now, Utc + (now / 1000), true, (uint)now));
                now += sleep < 1 ? 1 : (sleep > 60000 ? 60000 : sleep);
            }

            Assert.IsTrue(reboot ? agent.RebootRequested : agent.Connection.State == ConnectionState.Connected, "condition not reached");
            return now;
        }

        private static string LastEvent(ScriptedTransport transport)
        {
            string prefix = "devices/dev-001/up/update|";
            for (int i = transport.Published.Count - 1; i >= 0; i--)
            {
                string entry = (string)transport.Published[i];
                if (entry.StartsWith(prefix))
                {
                    string rest = entry.Substring(prefix.Length);
                    return rest.Substring(0, rest.IndexOf("|"));
                }
            }

            return null;
        }
    }
}
