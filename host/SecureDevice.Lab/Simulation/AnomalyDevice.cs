using System;
using System.Collections.Generic;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Telemetry;
using SecureDevice.Fleet.Detection;
using SecureDevice.Fleet.Telemetry;

namespace SecureDevice.Lab.Simulation;

/// <summary>What a simulated device turns into at its onset.</summary>
public enum AnomalyKind
{
    /// <summary>Stays healthy.</summary>
    None = 0,

    /// <summary>Runs a miner: compute load near 100 %, the current it costs, pool traffic (unless quiet).</summary>
    CoinMiner = 1,

    /// <summary>Floods, reconnects or sends garbage beyond what the firmware can: broken or not our firmware.</summary>
    Glitch = 2,

    /// <summary>Crashes every few minutes; the firmware's own breaker enters safe mode after five boots.</summary>
    RebootLoop = 3,

    /// <summary>Goes quiet for good (power lost, stolen, or its firmware stopped reporting).</summary>
    Silent = 4,
}

/// <summary>How a glitching device misbehaves.</summary>
public enum GlitchMode
{
    /// <summary>Reconnects every 1–10 s (a broken backoff; esp-mqtt's fixed 10 s is the slowest).</summary>
    ReconnectStorm = 0,

    /// <summary>Publishes 30–300 messages a minute past any limiter.</summary>
    MessageFlood = 1,

    /// <summary>Sends 2–20 undecodable payloads a minute.</summary>
    Garbage = 2,
}

/// <summary>One report as the service received it.</summary>
internal readonly record struct ReceivedReport(double AtSeconds, HealthSample Sample);

/// <summary>
/// One device of <see cref="AnomalySimulation"/>: a statistical model of a healthy ESP32 (per-device levels, daily cycles,
/// RSSI swings, Wi-Fi drops and occasional power cuts, sensor noise) driving the firmware's own
/// <see cref="ReportSchedule"/> and <see cref="PublishLimiter"/>, so report times and message rates are the firmware's.
/// Each report is encoded by the device's <see cref="HealthReport"/> and decoded by the service's
/// <see cref="HealthDecoder"/>. From its onset an anomalous device misbehaves as its <see cref="AnomalyKind"/> says.
/// </summary>
internal sealed class AnomalyDevice
{
    private const int IntervalSeconds = 300;
    private const double TwoPi = 2 * Math.PI;
    private static readonly FirmwareVersion Version = new(1, 0, 0, 1);

    private readonly SeededRandom _random;
    private readonly HealthReport _encoder = new();
    private readonly HealthSnapshot _snapshot = new();
    private readonly byte[] _buffer = new byte[HealthReport.MaxCborBytes];
    private readonly string _healthTopic;
    private readonly string _statusTopic;

    // Per-device levels.
    private readonly double _baseLoad;
    private readonly double _loadCycle;
    private readonly double _baseCurrent;
    private readonly double _currentCycle;
    private readonly double _phase;
    private readonly double _supply;
    private readonly double _heap;
    private readonly double _heapCycle;
    private readonly double _managed;
    private readonly double _appPerMinute;
    private readonly double _appBytes;
    private readonly double _trafficCycle;
    private readonly double _rssiBase;
    private readonly long _certificateDays;

    // Anomaly parameters.
    private readonly double _minerLoad;
    private readonly double _glitchRate;
    private readonly double _crashAfterLow;

    // This boot.
    private PublishLimiter _limiter = new();
    private ReportSchedule _schedule = new(IntervalSeconds);
    private long _bootCount;
    private int _bootReason = (int)BootReason.FirstBoot;
    private double _bootAt;
    private double _onlineAt;
    private bool _online;
    private double _crashAt = double.MaxValue;
    private long _sequence;
    private long _messagesUp;
    private long _bytesUp;
    private long _messagesDown;
    private long _bytesDown;
    private long _baseMessagesUp;
    private long _baseBytesUp;
    private long _baseMessagesDown;
    private long _baseBytesDown;
    private long _attempts;
    private double _loadIntegral;
    private double _loadSeconds;
    private double _loadSince;
    private double _owedUntil;
    private double _handshakeUntil;
    private double _rssi;
    private double _heapMin = double.MaxValue;
    private bool _safeMode;
    private double _stableSince = -1;
    private readonly Queue<double> _recentBoots = new();

    public AnomalyDevice(string id, SeededRandom random, AnomalyKind kind, double onsetSeconds, bool hasCurrentSensor, GlitchMode glitch, bool quietMiner)
    {
        Id = id;
        _random = random;
        Kind = kind;
        Onset = onsetSeconds;
        HasCurrentSensor = hasCurrentSensor;
        Glitch = glitch;
        QuietMiner = quietMiner;
        _healthTopic = "devices/" + id + "/up/health";
        _statusTopic = "devices/" + id + "/up/status";
        _baseLoad = random.Between(3, 12);
        _loadCycle = random.Between(0, 5);
        _baseCurrent = random.Between(65, 105);
        _currentCycle = random.Between(0, 4);
        _phase = random.Between(0, TwoPi);
        _supply = random.Between(3240, 3360);
        _heap = random.Between(150, 200);
        _heapCycle = random.Between(0, 6);
        _managed = random.Between(90, 120);
        _appPerMinute = random.Between(0, 0.6);
        _appBytes = random.Between(40, 200);
        _trafficCycle = random.Between(0, 0.4);
        _rssiBase = random.Between(-80, -50);
        _rssi = _rssiBase;
        _certificateDays = (long)random.Between(400, 720);
        _minerLoad = random.Between(85, 99);
        _glitchRate = glitch switch
        {
            GlitchMode.ReconnectStorm => random.Between(1, 10),
            GlitchMode.MessageFlood => random.Between(30, 300),
            _ => random.Between(2, 20),
        };
        _crashAfterLow = random.Between(60, 180);
        Boot(0, (int)BootReason.FirstBoot);
    }

    public string Id { get; }

    public AnomalyKind Kind { get; }

    /// <summary>When the device starts to misbehave, simulated seconds (never for a healthy device).</summary>
    public double Onset { get; }

    public bool HasCurrentSensor { get; }

    public GlitchMode Glitch { get; }

    /// <summary>A miner whose pool traffic does not go through the device's MQTT connection.</summary>
    public bool QuietMiner { get; }

    /// <summary>Reports the service received from this device.</summary>
    public int Reports { get; private set; }

    /// <summary>What the broker saw in the current window.</summary>
    public TrafficCounts Window;

    /// <summary>The registry's record of the device.</summary>
    public DeviceRegistration Registration(DateTime start) => new("sensor", start.AddDays(_certificateDays), IntervalSeconds);

    private bool Active(double t) => Kind != AnomalyKind.None && t >= Onset;

    /// <summary>Simulates one minute starting at <paramref name="t"/> seconds; reports the service received go to <paramref name="reports"/>.</summary>
    public void Minute(double t, List<ReceivedReport> reports)
    {
        if (Kind == AnomalyKind.Silent && t >= Onset)
        {
            return;
        }

        double end = t + 60;
        double daily = Math.Sin((TwoPi * t / 86400) + _phase);
        _rssi += (0.1 * (_rssiBase + (4 * daily) - _rssi)) + _random.Gaussian(1.5);

        // Crashes and power cuts.
        if (Kind == AnomalyKind.RebootLoop && t >= Onset && _crashAt == double.MaxValue)
        {
            _crashAt = Math.Max(t, _bootAt) + _random.Between(_crashAfterLow, _crashAfterLow + 60);
        }

        if (_crashAt < end)
        {
            Boot(Math.Max(t, _crashAt), (int)BootReason.Unclean);
        }
        else if (!Active(t) && _random.Chance(1.0 / (6 * 1440)))
        {
            // A power cut now and then (about one a week).
            Boot(t + _random.Between(0, 50), (int)BootReason.Unclean);
        }

        // A Wi-Fi drop: back within the reconnect policy's 0–30 s after a stable connection.
        if (_online && _random.Chance(1.0 / 2880))
        {
            _online = false;
            _onlineAt = t + _random.Between(5, 35);
        }

        if (!_online && _onlineAt < end)
        {
            Connect(Math.Max(t, _onlineAt));
        }

        if (_online && _stableSince >= 0 && t - _stableSince >= 300)
        {
            _safeMode = false;
            _recentBoots.Clear();
        }

        double load = Load(t, daily);
        _loadIntegral += load * 60;
        _loadSeconds += 60;
        if (_online)
        {
            Traffic(t, daily);
            Misbehave(t);
            while (_online && _schedule.MillisecondsUntilDue(Ms(t)) is long wait && t + (wait / 1000.0) < end)
            {
                double at = t + (wait / 1000.0);
                if (_limiter.Decide(MessageClass.Telemetry, Ms(at), false) != PublishDecision.Send)
                {
                    _schedule.OnReported(Ms(at), _random.NextUInt());
                    continue;
                }

                reports.Add(new ReceivedReport(at + 0.05, Report(at, daily)));
                _schedule.OnReported(Ms(at), _random.NextUInt());
            }
        }
    }

    private static long Ms(double seconds) => (long)(seconds * 1000);

    private double Load(double t, double daily)
    {
        double load = _baseLoad + (_loadCycle * (daily + 1) / 2) + _random.Gaussian(1.5);
        load += _random.Chance(0.006) ? _random.Between(10, 25) : 0;
        load += t < _handshakeUntil ? 12 : 0;
        if (Kind == AnomalyKind.CoinMiner && t >= Onset)
        {
            load = _minerLoad + _random.Gaussian(2);
        }

        return Math.Clamp(load, 0, 100);
    }

    private void Boot(double t, int reason)
    {
        _bootCount++;
        _bootReason = reason;
        _bootAt = t;
        _online = false;
        _limiter = new PublishLimiter();
        _schedule = new ReportSchedule(IntervalSeconds);
        _sequence = 0;
        _messagesUp = _bytesUp = _messagesDown = _bytesDown = 0;
        _baseMessagesUp = _baseBytesUp = _baseMessagesDown = _baseBytesDown = 0;
        _loadIntegral = _loadSeconds = 0;
        _loadSince = t;
        _heapMin = double.MaxValue;
        _crashAt = double.MaxValue;
        _stableSince = -1;

        // The firmware's reboot-loop breaker: five counted boots within 15 minutes without a stable connection.
        _recentBoots.Enqueue(t);
        while (_recentBoots.Count > 0 && t - _recentBoots.Peek() > 900)
        {
            _recentBoots.Dequeue();
        }

        if (!_safeMode && _recentBoots.Count >= 5)
        {
            _safeMode = true;
            _owedUntil = t + _random.Between(1800, 3600);
        }

        // The boot wait, never before the wait still owed from before the reboot.
        _limiter.SafeMode = _safeMode;
        _onlineAt = Math.Max(_owedUntil, t + _random.Between(0, 30)) + 2;
    }

    private void Connect(double t)
    {
        _online = true;
        _attempts++;
        _owedUntil = _safeMode ? t + _random.Between(1800, 3600) : _owedUntil;
        _stableSince = t;
        _handshakeUntil = t + 10;
        _schedule.Start(Ms(t));
        Count(ref Window.Connects, 1);
        Up(_statusTopic.Length + 6, 1);
    }

    // Application messages through the firmware's limiter, and now and then a command down.
    private void Traffic(double t, double daily)
    {
        int wanted = _random.Poisson(_appPerMinute * (1 + (_trafficCycle * daily)));
        for (int i = 0; i < wanted; i++)
        {
            if (_limiter.Decide(MessageClass.Event, Ms(t) + (i * 100), false) == PublishDecision.Send)
            {
                int size = (int)(_appBytes * _random.Between(0.7, 1.3));
                _messagesUp++;
                _bytesUp += size;
                Up(size + 32, 1);
            }
        }

        if (_random.Chance(1.0 / 2000))
        {
            int size = (int)_random.Between(60, 300);
            _messagesDown++;
            _bytesDown += size;
            Window.MessagesDown++;
            Window.BytesDown += size + 32;
        }
    }

    private void Misbehave(double t)
    {
        if (!Active(t))
        {
            return;
        }

        if (Kind == AnomalyKind.CoinMiner && !QuietMiner)
        {
            // Pool traffic through the device's own connection: shares up, jobs down, past the limiter.
            int up = _random.Poisson(1.5);
            for (int i = 0; i < up; i++)
            {
                int size = (int)_random.Between(300, 1500);
                _messagesUp++;
                _bytesUp += size;
                Up(size + 30, 1);
            }

            int size2 = (int)_random.Between(200, 800);
            _messagesDown++;
            _bytesDown += size2;
            Window.MessagesDown++;
            Window.BytesDown += size2 + 30;
        }
        else if (Kind == AnomalyKind.Glitch)
        {
            switch (Glitch)
            {
                case GlitchMode.ReconnectStorm:
                    int connects = _random.Poisson(60 / _glitchRate);
                    Count(ref Window.Connects, connects);
                    Up(connects * (_statusTopic.Length + 6), connects);
                    _attempts += connects;
                    break;
                case GlitchMode.MessageFlood:
                    int messages = _random.Poisson(_glitchRate);
                    _messagesUp += messages;
                    _bytesUp += messages * 60L;
                    Up(messages * 92L, messages);
                    break;
                default:
                    int garbage = _random.Poisson(_glitchRate);
                    Window.Malformed += garbage;
                    Up(garbage * 150L, garbage);
                    break;
            }
        }
    }

    private HealthSample Report(double at, double daily)
    {
        HealthSnapshot s = _snapshot;
        s.Sequence = _sequence;
        s.UptimeSeconds = (long)(at - _bootAt);
        s.BootCount = _bootCount;
        s.BootReason = _bootReason;
        s.HasSupply = true;
        // The probe needs a second of measuring windows (50 s of wall time): a boot's first report has no load.
        double load = at - _loadSince >= 60 && _loadSeconds > 0 ? _loadIntegral / _loadSeconds : -1;
        s.HasLoad = load >= 0;
        s.LoadPercent = (long)Math.Round(Math.Max(0, load));
        double current = _baseCurrent + (_currentCycle * daily) + (SimulatedLoadCurrent * Math.Max(0, load)) + (0.15 * Math.Max(0, -70 - _rssi)) + _random.Gaussian(1.5);
        s.HasSupplyCurrent = HasCurrentSensor;
        s.SupplyMilliamps = (long)Math.Round(Math.Max(0, current));
        s.SupplyMillivolts = (long)Math.Round(_supply - (0.2 * current) + _random.Gaussian(8));
        s.HasTemperature = false;
        s.HasNativeMemory = true;
        s.HasHeapTotal = _sequence == 0;
        double free = _heap - (_heapCycle * (daily + 1) / 2) + _random.Gaussian(2);
        _heapMin = Math.Min(_heapMin, free);
        s.HeapTotalKiB = 290;
        s.HeapFreeKiB = (long)free;
        s.HeapLargestKiB = (long)(free * 0.6);
        s.HeapFreeMinKiB = (long)_heapMin;
        s.HasManagedMemory = true;
        s.ManagedFreeKiB = (long)(_managed + _random.Gaussian(3));
        s.ManagedFreeMinKiB = s.ManagedFreeKiB - 5;
        s.MessagesUp = _messagesUp;
        s.PayloadUpKiB = _bytesUp / 1024;
        s.MessagesUpSinceLast = _messagesUp - _baseMessagesUp;
        s.BytesUpSinceLast = _bytesUp - _baseBytesUp;
        s.MessagesDown = _messagesDown;
        s.PayloadDownKiB = _bytesDown / 1024;
        s.MessagesDownSinceLast = _messagesDown - _baseMessagesDown;
        s.BytesDownSinceLast = _bytesDown - _baseBytesDown;
        s.HasRssi = true;
        s.Rssi = (long)Math.Round(Math.Clamp(_rssi, -127, 0));
        s.Attempts = _attempts;
        s.VersionMajor = Version.Major;
        s.VersionMinor = Version.Minor;
        s.VersionPatch = Version.Patch;
        s.SecurityVersion = Version.Security;
        s.CertificateDays = _certificateDays - (long)(at / 86400);
        s.Flags = HealthFlags.TimeSynchronised | (_safeMode ? HealthFlags.SafeMode : 0);
        int length = _encoder.EncodeCbor(s, _buffer, 0, _buffer.Length);
        byte[] payload = _buffer.AsSpan(0, length).ToArray();
        if (HealthDecoder.TryDecode(payload, out DecodedHealthReport? decoded, out string detail) != HealthDecodeStatus.Decoded)
        {
            throw new InvalidOperationException("the service could not decode the device's report: " + detail);
        }

        // Published: the "since last report" bases move, the load average starts over.
        _messagesUp++;
        _bytesUp += length;
        Up(_healthTopic.Length + length, 1);
        _baseMessagesUp = _messagesUp;
        _baseBytesUp = _bytesUp;
        _baseMessagesDown = _messagesDown;
        _baseBytesDown = _bytesDown;
        _loadIntegral = _loadSeconds = 0;
        _loadSince = at;
        _sequence++;
        Reports++;
        return HealthSample.From(decoded!);
    }

    /// <summary>Extra supply current per percent of compute load, mA (the virtual devices' figure).</summary>
    private const double SimulatedLoadCurrent = VirtualDevice.SimulatedHealthSource.MilliampsPerLoadPercent;

    private void Up(long bytes, long messages)
    {
        Window.MessagesUp += messages;
        Window.BytesUp += bytes;
    }

    private static void Count(ref int counter, int add) => counter += add;
}

/// <summary>What the broker saw of one device in the current window.</summary>
internal struct TrafficCounts
{
    public long MessagesUp;
    public long BytesUp;
    public long MessagesDown;
    public long BytesDown;
    public int Connects;
    public int Malformed;
}
