using SecureDevice.Core;
using System;
using System.Threading;
using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.VirtualDevice.Transport;
using SecureDevice.VirtualDevice.Updates;
using SecureDevice.Core.Time;

namespace SecureDevice.VirtualDevice;

/// <summary>
/// One virtual device: the portable core's <see cref="DeviceLoop"/> over a <see cref="DeviceAgent"/>, driven by a thread as
/// the ESP32 firmware drives it, with host adapters (TLS transport, host clocks and random source) and a flash store that
/// outlives reboots. Power cuts and reboots are simulated by dropping the connection without a goodbye and booting again
/// over the same store. With <see cref="UpdateOptions"/>, each boot goes through the core's loader
/// (<see cref="SimulatedBoot"/>): the journal picks and verifies the slot, the update engine takes offers, and the device
/// reboots itself when the loader or the loop asks. With a time scale above 1 (<see cref="DeviceClock"/>, a lab feature)
/// the device's monotonic clock runs that many times faster while wall time stays real: the firmware's own config and
/// budgets, minutes of device behaviour in seconds.
/// </summary>
public sealed class VirtualDevice : IDisposable
{
    private readonly DeviceIdentity _identity;
    private readonly StepInput _input = new(); // the loop's one step input, refreshed each step (one loop thread)
    private readonly IFileStore _store;
    private readonly BackoffConfig _backoff;
    private readonly Func<TlsEndpoint> _endpoint;
    private readonly UpdateOptions? _updates;
    private readonly DeviceClock _clock;
    private readonly object _gate = new();
    private Thread? _thread;
    private ManualResetEventSlim? _stop;
    private TlsMqttTransport? _transport;
    private DeviceAgent? _agent;
    private DeviceLoop? _loop;
    private SimulatedBoot? _loader;
    private BootSession? _session;
    private long _bootMs;
    private long _botDueMs;

    /// <param name="identity">The provisioned identity and config.</param>
    /// <param name="store">The flash (outlives reboots).</param>
    /// <param name="backoff">The flood guard's backoff (the firmware's defaults when null).</param>
    /// <param name="endpoint">Where to connect (the config's broker when null).</param>
    /// <param name="updates">Signed updates through the core's loader (none when null).</param>
    /// <param name="timeScale">How many times faster than real time the device's monotonic clock runs, 1..<see cref="DeviceClock.MaxScale"/> (<see cref="DeviceClock"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeScale"/> is out of range.</exception>
    public VirtualDevice(DeviceIdentity identity, IFileStore store, BackoffConfig? backoff = null, Func<TlsEndpoint>? endpoint = null, UpdateOptions? updates = null, int timeScale = 1)
    {
        _clock = new DeviceClock(timeScale);
        _identity = identity;
        _store = store;
        _backoff = backoff ?? new BackoffConfig();
        _endpoint = endpoint ?? (() => identity.Endpoint());
        _updates = updates;
        Sensors = new SimulatedHealthSource(identity.Id.GetHashCode(StringComparison.Ordinal), _clock);
    }

    /// <summary>The device's monotonic clock (its scale: device ms per real ms).</summary>
    public DeviceClock Clock => _clock;

    /// <summary>The simulated hardware readings (turn its knobs to make the device misbehave).</summary>
    public SimulatedHealthSource Sensors { get; }

    /// <summary>What is running this boot.</summary>
    public RunningApplication Application => _session?.Application ?? throw new InvalidOperationException("not started");

    /// <summary>This boot's session: count, reason, fault record.</summary>
    public BootSession Session => _session ?? throw new InvalidOperationException("not started");

    public string Id => _identity.Id;

    /// <summary>When false the device behaves as if its Wi-Fi link were down.</summary>
    public volatile bool NetworkUp = true;

    /// <summary>Boots so far (1 after the first <see cref="Start"/>).</summary>
    public int Boots { get; private set; }

    /// <summary>The agent of the current boot (read its state; do not step it).</summary>
    public DeviceAgent Agent => _agent ?? throw new InvalidOperationException("not started");

    /// <summary>The transport of the current boot.</summary>
    public TlsMqttTransport Transport => _transport ?? throw new InvalidOperationException("not started");

    public bool Connected => _agent?.Connection.State == ConnectionState.Connected;

    /// <summary>The loader of the current boot (null without <see cref="UpdateOptions"/>).</summary>
    public SimulatedBoot? Loader => _loader;

    /// <summary>The update engine of the current boot (null without <see cref="UpdateOptions"/>).</summary>
    public UpdateEngine? Updates => _loader?.Engine;

    /// <summary>The version running now ("none" when the loader found nothing verified to run).</summary>
    public string RunningVersion => Application.Loaded || _updates == null ? Application.Version.ToString() : "none";

    /// <summary>Reboots the device did by itself (staged update, revert, fault) since it was created.</summary>
    public int SelfReboots { get; private set; }

    /// <summary>Faults the main loop caught (each followed by a backed-off reboot) since the device was created.</summary>
    public int Faults { get; private set; }

    /// <summary>Crashes of a misbehaving simulated application since the device was created.</summary>
    public int Crashes { get; private set; }

    /// <summary>Boots the device: a new agent over the persisted store, stepped by a background thread.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_thread != null)
            {
                throw new InvalidOperationException(Id + " is already running");
            }

            BootCore();
            _stop = new ManualResetEventSlim(false);
            ManualResetEventSlim stop = _stop;
            _thread = new Thread(() => Run(stop)) { IsBackground = true, Name = "vdev-" + Id };
            _thread.Start();
        }
    }

    /// <summary>Planned shutdown: "offline" is published and the connection closed cleanly.</summary>
    public void Stop()
    {
        StopThread();
        _agent?.Connection.Disconnect();
        _transport?.Dispose();
    }

    /// <summary>Power cut: the thread stops and the connection drops without DISCONNECT (the broker publishes the will).</summary>
    public void PowerCut()
    {
        StopThread();
        _transport?.Abort();
    }

    /// <summary>A power cut followed by a boot.</summary>
    public void Reboot()
    {
        PowerCut();
        Start();
    }

    public void Dispose() => PowerCut();

    private void StopThread()
    {
        Thread? thread;
        lock (_gate)
        {
            thread = _thread;
            _stop?.Set();
            _thread = null;
        }

        thread?.Join(15000);
    }

    // What the firmware does at power-on: the boot session and the loader (with updates), then a fresh agent and loop
    // over the persisted store. A candidate that failed half-loaded makes the loader ask for a reboot: done at once.
    private void BootCore()
    {
        long now = _clock.NowMs;
        _session = BootSession.Begin(_store, wokeFromDeepSleep: false);
        Boots++;
        if (_updates != null)
        {
            _loader?.Dispose();
            _loader = new SimulatedBoot(_store, _session, _updates, _identity.Config.Product, _identity.Config.Hardware, now);
            if (_loader.Result == BootResult.RebootRequired)
            {
                SelfReboots++;
                BootCore();
                return;
            }
        }

        _transport = new TlsMqttTransport(_endpoint());
        _agent = new DeviceAgent(_identity.Config, _transport, _store, _backoff, Sensors, _session);
        if (_loader != null)
        {
            _agent.AttachUpdates(_loader.Engine);
        }

        // The firmware calibrates the idle probe at boot, before anything else runs: the simulated probe's idle rate.
        _agent.Health.Load.Calibrate(SimulatedHealthSource.IdleRate, 1000);
        _agent.Start(now);
        _loop = new DeviceLoop(_session, _agent);
        _bootMs = now;
        _botDueMs = now;
    }

    // A hijacking program's traffic (SimulatedHealthSource.BotBytesPerMinute): every 10 s a sixth of the minute's bytes
    // straight through the connection, past the publish limiter, so the device's counters and the broker both see it.
    private void PublishBotTraffic(long now)
    {
        int perMinute = Sensors.BotBytesPerMinute;
        if (perMinute <= 0 || now < _botDueMs || _agent!.Connection.State != ConnectionState.Connected)
        {
            return;
        }

        _botDueMs = now + 10_000;
        byte[] junk = new byte[Math.Clamp(perMinute / 6, 1, DeviceAgent.MaxInboundPayload)];
        Random.Shared.NextBytes(junk);
        _agent.Connection.Publish(_agent.Connection.Topics.Up("data"), junk, 0, junk.Length, 0, false, out _);
    }

    private void Run(ManualResetEventSlim stop)
    {
        while (!stop.IsSet)
        {
            DeviceLoop loop = _loop!;
            long now = _clock.NowMs;
            long sleep = loop.Step(_input.Set(now, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), NetworkUp, (uint)Random.Shared.Next() ^ ((uint)Random.Shared.Next() << 16)));
            if (loop.RebootRequested)
            {
                // The loop recorded why; say goodbye, wait the fault backoff if any, come back up through the loader.
                loop.Shutdown();
                _transport!.Dispose();
                SelfReboots++;
                Faults += loop.Faults;
                if (loop.RebootDelayMs > 0 && stop.Wait(_clock.ToRealMs(loop.RebootDelayMs)))
                {
                    break;
                }

                lock (_gate)
                {
                    BootCore();
                }

                continue;
            }

            long crashAfter = _loader?.Behaviour.CrashAfterMs ?? -1;
            if (crashAfter >= 0 && now - _bootMs >= crashAfter)
            {
                // The simulated application takes the device down: no goodbye, no boot marker.
                _transport!.Abort();
                Crashes++;
                lock (_gate)
                {
                    BootCore();
                }

                continue;
            }

            PublishBotTraffic(now);

            // Step again at least every 200 ms (real) so stopping and inbound messages are handled promptly; the loop's
            // wait is device time.
            stop.Wait(Math.Min(_clock.ToRealMs(sleep), 200));
        }
    }
}
