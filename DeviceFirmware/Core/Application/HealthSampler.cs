using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Update;
using SecureDevice.Core.Time;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// Gathers a device's vital signs into a <see cref="HealthSnapshot"/> (docs/telemetry.md): hardware readings through
    /// <see cref="IHealthSource"/> (supply voltage and current, the idle probe turned into a compute load by
    /// <see cref="ComputeLoad"/>, memory, RSSI), traffic and connection counters, limiter and update outcomes, identity.
    /// The native heap total, a board constant, is sent until one report carrying it was published in this boot. Readings outside
    /// physical ranges are treated as absent and counted; a repeated identical invalid reading is news only once. Tracks
    /// minimum free memory since boot and the "since last report" baselines, which move only when a report was published
    /// (<see cref="Commit"/>), so a report that could not be sent is simply superseded by a newer one. Spots anomalies that
    /// justify an early report. Allocates nothing after construction.
    /// </summary>
    public sealed class HealthSampler
    {
        /// <summary>Sensor id of the supply voltage in <see cref="InvalidReadings"/>.</summary>
        public const int SupplySensor = 0;

        /// <summary>Sensor id of the chip temperature.</summary>
        public const int TemperatureSensor = 1;

        /// <summary>Sensor id of the native memory reading.</summary>
        public const int MemorySensor = 2;

        /// <summary>Sensor id of the RSSI.</summary>
        public const int RssiSensor = 3;

        /// <summary>Sensor id of the supply current.</summary>
        public const int CurrentSensor = 4;

        /// <summary>Sensor id of the idle probe (compute load).</summary>
        public const int LoadSensor = 5;

        /// <summary>Largest plausible supply current, mA (an ESP32 board peaks near 500 mA; the INA219 reads up to 3.2 A at 100 mΩ).</summary>
        public const int MaxSupplyMilliamps = 5000;

        private readonly IHealthSource _source;
        private readonly ConnectionManager _connection;
        private readonly PublishLimiter _limiter;
        private readonly BootTracker _boot;
        private readonly RunningApplication _application;
        private readonly RepeatFilter _invalid = new RepeatFilter();
        private readonly HealthSnapshot _snapshot = new HealthSnapshot();
        private readonly ComputeLoad _load = new ComputeLoad();
        private bool _heapTotalSent;
        private long _bootMs;
        private long _heapMin = long.MaxValue;
        private long _managedMin = long.MaxValue;
        private long _lastHeapFree = -1;
        private int _baseMessagesUp;
        private long _baseBytesUp;
        private int _baseMessagesDown;
        private long _baseBytesDown;
        private long _baseFailures;
        private int _baseRejected;
        private int _baseLimited;
        private int _baseAuthReported;
        private long _lastReportMs;
        private bool _anomalyRaised;

        /// <summary>Creates a sampler over the device's parts (kept by reference).</summary>
        public HealthSampler(IHealthSource source, ConnectionManager connection, PublishLimiter limiter, BootTracker boot, RunningApplication application)
        {
            if (source == null || connection == null || limiter == null || boot == null || application == null)
            {
                throw new System.ArgumentNullException("source");
            }

            _source = source;
            _connection = connection;
            _limiter = limiter;
            _boot = boot;
            _application = application;
            LowMemoryKiB = 24;
        }

        /// <summary>Free native memory below this many KiB is an anomaly. Default 24.</summary>
        public int LowMemoryKiB { get; set; }

        /// <summary>Invalid readings since boot, all sensors.</summary>
        public int InvalidReadings { get; private set; }

        /// <summary>Invalid readings worth an event (the first of each streak of identical ones).</summary>
        public int InvalidReadingEvents { get; private set; }

        /// <summary>Reports committed since boot.</summary>
        public long Committed
        {
            get { return _snapshot.Sequence; }
        }

        /// <summary>The compute-load decisions; the platform calibrates it at boot (<see cref="ComputeLoad.Calibrate"/>).</summary>
        public ComputeLoad Load
        {
            get { return _load; }
        }

        /// <summary>The snapshot filled by the last <see cref="Sample"/>.</summary>
        public HealthSnapshot Snapshot
        {
            get { return _snapshot; }
        }

        /// <summary>Starts uptime and the report baselines at boot.</summary>
        public void Start(long nowMs)
        {
            _bootMs = nowMs;
            _lastReportMs = nowMs;
        }

        /// <summary>A cheap reading between reports (native memory only) so that dips reach the minimum.</summary>
        public void Observe(long nowMs)
        {
            long total;
            long free;
            long largest;
            if (ReadMemory(out total, out free, out largest))
            {
                _lastHeapFree = free;
                _heapMin = free < _heapMin ? free : _heapMin;
            }
        }

        /// <summary>True, once per report, when something warrants reporting before the schedule says so.</summary>
        public bool CheckAnomaly()
        {
            if (_anomalyRaised)
            {
                return false;
            }

            ConnectionCounters c = _connection.Counters;
            bool lowMemory = _lastHeapFree >= 0 && _lastHeapFree < LowMemoryKiB * 1024L;
            bool failing = Failures(c) - _baseFailures >= 5;
            bool rejecting = c.InboundRejected - _baseRejected >= 5;
            bool limiting = _limiter.TotalLimited - _baseLimited >= 10;
            bool identity = _connection.AuthenticationFailuresReported > _baseAuthReported;
            _anomalyRaised = lowMemory || failing || rejecting || limiting || identity;
            return _anomalyRaised;
        }

        /// <summary>Fills <see cref="Snapshot"/> as of <paramref name="nowMs"/>; reads every sensor (and collects garbage, on the device).</summary>
        public HealthSnapshot Sample(long nowMs, long utcSeconds, bool anomaly)
        {
            HealthSnapshot s = _snapshot;
            s.UptimeSeconds = Monotonic.Elapsed(nowMs, _bootMs) / 1000;
            s.BootCount = _boot.BootCount;
            s.BootReason = (int)_boot.Reason;

            int millivolts;
            s.HasSupply = _source.TryReadSupplyMillivolts(out millivolts) && Valid(SupplySensor, millivolts, 0, 20000);
            s.SupplyMillivolts = s.HasSupply ? millivolts : -1;
            int deciCelsius;
            s.HasTemperature = _source.TryReadTemperatureDeciCelsius(out deciCelsius) && Valid(TemperatureSensor, deciCelsius, -400, 1500);
            s.TemperatureDeciCelsius = s.HasTemperature ? deciCelsius : -1;
            int milliamps;
            s.HasSupplyCurrent = _source.TryReadSupplyMilliamps(out milliamps) && Valid(CurrentSensor, milliamps, 0, MaxSupplyMilliamps);
            s.SupplyMilliamps = s.HasSupplyCurrent ? milliamps : -1;
            int iterations;
            int measuredMs;
            int load = _source.TryReadIdleProgress(out iterations, out measuredMs) ? _load.Percent(iterations, measuredMs, Monotonic.Elapsed(nowMs, _lastReportMs)) : -1;
            s.HasLoad = load >= 0;
            s.LoadPercent = load;

            long total;
            long free;
            long largest;
            s.HasNativeMemory = ReadMemory(out total, out free, out largest);
            s.HasHeapTotal = !_heapTotalSent;
            if (s.HasNativeMemory)
            {
                _lastHeapFree = free;
                _heapMin = free < _heapMin ? free : _heapMin;
                s.HeapTotalKiB = total / 1024;
                s.HeapFreeKiB = free / 1024;
                s.HeapLargestKiB = largest / 1024;
                s.HeapFreeMinKiB = _heapMin / 1024;
            }

            long managed;
            s.HasManagedMemory = _source.TryReadManagedFree(out managed) && managed >= 0;
            if (s.HasManagedMemory)
            {
                _managedMin = managed < _managedMin ? managed : _managedMin;
                s.ManagedFreeKiB = managed / 1024;
                s.ManagedFreeMinKiB = _managedMin / 1024;
            }

            ConnectionCounters c = _connection.Counters;
            s.MessagesUp = Unsigned(c.MessagesUp);
            s.PayloadUpKiB = c.PayloadBytesUp / 1024;
            s.MessagesUpSinceLast = Unsigned(c.MessagesUp - _baseMessagesUp);
            s.BytesUpSinceLast = Positive(c.PayloadBytesUp - _baseBytesUp);
            s.MessagesDown = Unsigned(c.MessagesDown);
            s.PayloadDownKiB = c.PayloadBytesDown / 1024;
            s.MessagesDownSinceLast = Unsigned(c.MessagesDown - _baseMessagesDown);
            s.BytesDownSinceLast = Positive(c.PayloadBytesDown - _baseBytesDown);

            int dbm;
            s.HasRssi = _source.TryReadRssi(out dbm) && Valid(RssiSensor, dbm, -127, 0);
            s.Rssi = s.HasRssi ? dbm : -1;
            s.Attempts = Unsigned(c.Attempts);
            s.FailedNetwork = Unsigned(c.FailedNetwork);
            s.FailedTls = Unsigned(c.FailedTls);
            s.FailedAuthentication = Unsigned(c.FailedAuthentication);
            s.FailedRefused = Unsigned(c.FailedRefused);
            long backoff = _connection.Policy.LastDelayMs / 1000;
            s.BackoffSeconds = backoff > 65535 ? 65535 : backoff;

            s.Dropped = Unsigned(_limiter.Dropped(MessageClass.Telemetry) + _limiter.Dropped(MessageClass.Event) + _limiter.Dropped(MessageClass.UpdateProgress));
            s.Delayed = Unsigned(_limiter.Delayed(MessageClass.Telemetry) + _limiter.Delayed(MessageClass.Event) + _limiter.Delayed(MessageClass.UpdateProgress));
            s.Rejected = Unsigned(c.InboundRejected);
            s.UpdateOutcome = UpdateOutcomeCode.Of(_application.LastUpdateOutcome);

            s.VersionMajor = _application.Version.Major;
            s.VersionMinor = _application.Version.Minor;
            s.VersionPatch = _application.Version.Patch;
            s.SecurityVersion = _application.SecurityVersion;
            bool timeKnown = WallTime.IsValid(utcSeconds);
            s.CertificateDays = timeKnown ? _connection.CertificateDaysLeft(utcSeconds) : 0;

            int flags = 0;
            flags |= timeKnown ? HealthFlags.TimeSynchronised : 0;
            flags |= _application.SlotB ? HealthFlags.SlotB : 0;
            flags |= _application.Testing ? HealthFlags.Testing : 0;
            flags |= _connection.Policy.SafeMode ? HealthFlags.SafeMode : 0;
            flags |= _limiter.Throttled(nowMs) ? HealthFlags.Throttled : 0;
            flags |= anomaly ? HealthFlags.Anomaly : 0;
            flags |= _connection.AuthenticationFailuresReported > _baseAuthReported ? HealthFlags.AuthenticationFailures : 0;
            flags |= s.HasNativeMemory && free < LowMemoryKiB * 1024L ? HealthFlags.LowMemory : 0;
            flags |= _application.UpdateRecordsUnreadable ? HealthFlags.UpdateRecordsUnreadable : 0;
            flags |= _application.FloorRecordLagging ? HealthFlags.FloorRecordLagging : 0;
            s.Flags = flags;
            return s;
        }

        /// <summary>The last sampled report was published: the "since last report" baselines move and the sequence advances.</summary>
        public void Commit(long nowMs)
        {
            ConnectionCounters c = _connection.Counters;
            _baseMessagesUp = c.MessagesUp;
            _baseBytesUp = c.PayloadBytesUp;
            _baseMessagesDown = c.MessagesDown;
            _baseBytesDown = c.PayloadBytesDown;
            _baseFailures = Failures(c);
            _baseRejected = c.InboundRejected;
            _baseLimited = _limiter.TotalLimited;
            _baseAuthReported = _connection.AuthenticationFailuresReported;
            _lastReportMs = nowMs;
            _anomalyRaised = false;
            _heapTotalSent |= _snapshot.HasHeapTotal && _snapshot.HasNativeMemory;
            _load.Commit();
            _snapshot.Sequence = _snapshot.Sequence == int.MaxValue ? 0 : _snapshot.Sequence + 1;
        }

        private bool ReadMemory(out long total, out long free, out long largest)
        {
            if (!_source.TryReadNativeMemory(out total, out free, out largest))
            {
                return false;
            }

            bool valid = total > 0 && free >= 0 && free <= total && largest >= 0 && largest <= free;
            if (!valid)
            {
                Invalid(MemorySensor, free);
            }
            else
            {
                _invalid.OnValid(MemorySensor);
            }

            return valid;
        }

        private bool Valid(int sensor, long value, long minimum, long maximum)
        {
            if (value < minimum || value > maximum)
            {
                Invalid(sensor, value);
                return false;
            }

            _invalid.OnValid(sensor);
            return true;
        }

        private void Invalid(int sensor, long value)
        {
            InvalidReadings++;
            if (_invalid.ShouldReportInvalid(sensor, value))
            {
                InvalidReadingEvents++;
            }
        }

        private static long Failures(ConnectionCounters c)
        {
            return Unsigned(c.FailedNetwork) + Unsigned(c.FailedTls) + Unsigned(c.FailedAuthentication) + Unsigned(c.FailedRefused);
        }

        // Counters are 32-bit and may wrap; as unsigned values they keep counting up to 2^32 - 1.
        private static long Unsigned(int value)
        {
            return (long)(uint)value;
        }

        private static long Positive(long value)
        {
            return value < 0 ? 0 : value;
        }
    }
}
