using SecureDevice.Core.Boot;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Time;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// The firmware's main loop, one step at a time, with its guard: the platform calls <see cref="Step"/> forever and
    /// only sleeps or reboots as told. An exception from the agent (a bug, an adapter that threw, memory exhausted) does not
    /// end MQTT, updates and health reports while the application thread runs on: it is written to the fault record, the
    /// boot marker says <see cref="BootReason.Fault"/>, and a reboot is asked for after the fault backoff
    /// (<see cref="FaultLog.RebootDelayMs"/>), so the next health report and the fault event say why, and a firmware that
    /// keeps failing cannot reboot in a tight loop.
    /// </summary>
    public sealed class DeviceLoop
    {
        private readonly BootSession _session;
        private readonly DeviceAgent _agent;

        /// <summary>A loop over <paramref name="agent"/> (already started) for <paramref name="session"/>.</summary>
        public DeviceLoop(BootSession session, DeviceAgent agent)
        {
            if (session == null || agent == null)
            {
                throw new System.ArgumentNullException("session");
            }

            _session = session;
            _agent = agent;
        }

        /// <summary>True once a reboot was decided: the platform disconnects (<see cref="Shutdown"/>), waits <see cref="RebootDelayMs"/> and reboots.</summary>
        public bool RebootRequested { get; private set; }

        /// <summary>How long to wait before the requested reboot, ms (0 for update reboots, the fault backoff after a fault).</summary>
        public long RebootDelayMs { get; private set; }

        /// <summary>Why the reboot was requested (already written to the boot marker).</summary>
        public BootReason RebootReason { get; private set; }

        /// <summary>Exceptions caught from the agent this boot (at most one: the first leads to a reboot).</summary>
        public int Faults { get; private set; }

        /// <summary>Runs the agent once at <paramref name="input"/>; returns how long the platform may sleep, ms. Never throws for the agent's failures.</summary>
        public long Step(StepInput input)
        {
            if (RebootRequested)
            {
                return RebootDelayMs;
            }

            try
            {
                long sleep = _agent.Step(input);
                if (_agent.RebootRequested)
                {
                    RequestReboot(_agent.RebootReason, 0);
                    return 0;
                }

                return sleep;
            }
            catch (System.Exception error)
            {
                Fail(error, input.Random);
                return 0;
            }
        }

        /// <summary>
        /// A fault outside <see cref="Step"/> (the platform's own calls in the loop: clocks, Wi-Fi): recorded and answered as
        /// one inside it, with a reboot after the backoff.
        /// </summary>
        public void Fail(System.Exception error, uint random)
        {
            if (error is System.OutOfMemoryException)
            {
                // Nothing may allocate here that need not: the record's detail stays empty.
                OnFault(FaultCode.OutOfMemory, null, random);
            }
            else
            {
                OnFault(FaultCode.MainLoop, Describe(error), random);
            }
        }

        /// <summary>Planned shutdown before the reboot: "offline" and a clean disconnect when possible; never throws.</summary>
        public void Shutdown()
        {
            try
            {
                _agent.Connection.Disconnect();
            }
            catch (System.Exception)
            {
                // The connection is going down with the reboot anyway; the broker publishes the will.
            }
        }

        private void OnFault(FaultCode code, string detail, uint random)
        {
            Faults++;
            try
            {
                _session.Faults.Record(code, detail);
                _session.Tracker.BeforeReboot(BootReason.Fault);
            }
            catch (System.Exception)
            {
                // The flash failing too must not stop the reboot; the next boot then counts an unclean end.
            }

            RequestReboot(BootReason.Fault, _session.Faults.RebootDelayMs(random));
        }

        private void RequestReboot(BootReason reason, long delayMs)
        {
            if (reason != BootReason.Fault)
            {
                _session.Tracker.BeforeReboot(reason);
            }

            RebootReason = reason;
            RebootDelayMs = delayMs;
            RebootRequested = true;
        }

        private static string Describe(System.Exception error)
        {
            try
            {
                return error.GetType().Name + ": " + error.Message;
            }
            catch (System.Exception)
            {
                return null;
            }
        }
    }
}
