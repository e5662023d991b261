using System;
using System.Collections.Generic;
using SecureDevice.Fleet.Detection.Rules;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// The fleet's detectors (docs/detection.md): one method per kind of input, each returning the findings whose state
/// changed (opened, rose in severity, cleared), usually none. Pure: time comes in with every input, nothing is read or
/// written outside; per device a fixed amount of state (no window grows), which <see cref="ExportState"/> and
/// <see cref="ImportState"/> persist. Not thread-safe: one caller at a time (a service serialises calls or shards devices
/// over several engines by device id).
/// </summary>
public sealed class DetectionEngine
{
    /// <summary>The product of devices that reported before the registry named theirs.</summary>
    public const string UnknownProduct = "unknown";

    private static readonly Finding[] None = Array.Empty<Finding>();

    // The fault event's name for a boot that refused the only signed slot for the floor (the firmware's own name table).
    private static readonly string RollbackRefusedCode = SecureDevice.Core.Boot.FaultLog.Name(SecureDevice.Core.Boot.FaultCode.RollbackRefused);
    private static readonly string FloorUnknownCode = SecureDevice.Core.Boot.FaultLog.Name(SecureDevice.Core.Boot.FaultCode.FloorUnknown);
    private static readonly string FloorSaveFailedCode = SecureDevice.Core.Boot.FaultLog.Name(SecureDevice.Core.Boot.FaultCode.FloorSaveFailed);

    private readonly Dictionary<string, DeviceState> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ProductState> _products = new(StringComparer.Ordinal);
    private readonly Dictionary<CohortState, List<float>[]> _scratch = new();
    private readonly List<Finding> _output = new();
    private int _cohortsAt;

    /// <summary>Creates an engine with <paramref name="options"/> (the documented defaults when null).</summary>
    /// <exception cref="ArgumentException">A boot threshold beyond the boots a device's state remembers.</exception>
    public DetectionEngine(DetectionOptions? options = null)
    {
        Options = options ?? new DetectionOptions();
        if (Options.RebootLoopBoots is < 1 or > DeviceState.BootRingSize || Options.UncleanBootsPerDay is < 1 or > DeviceState.BootRingSize)
        {
            throw new ArgumentException("boot thresholds are 1.." + DeviceState.BootRingSize, nameof(options));
        }

        if (Options.LeakCheckpoints is < 3 or > HeapTrend.Capacity)
        {
            throw new ArgumentException("heap checkpoints are 3.." + HeapTrend.Capacity, nameof(options));
        }
    }

    /// <summary>The thresholds in use.</summary>
    public DetectionOptions Options { get; }

    /// <summary>Devices with state.</summary>
    public int DeviceCount => _devices.Count;

    /// <summary>What the registry says about a device: its product (and so its cohort), certificate expiry, report interval.</summary>
    /// <exception cref="ArgumentException">An empty id or product, or an interval outside 60..86400 s.</exception>
    public IReadOnlyList<Finding> Register(string deviceId, DeviceRegistration registration, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (string.IsNullOrEmpty(registration.Product) || registration.ReportIntervalSeconds is < 60 or > 86400)
        {
            throw new ArgumentException("a registration needs a product and a report interval of 60..86400 s", nameof(registration));
        }

        DeviceState device = Device(deviceId);
        MoveToProduct(device, Product(registration.Product));
        device.Registered = true;
        device.ReportIntervalSeconds = registration.ReportIntervalSeconds;
        device.CertificateNotAfter = registration.CertificateNotAfter is DateTime notAfter ? Stamp.From(notAfter) : 0;
        _output.Clear();
        int at = Stamp.From(now);
        FindingTracker.Apply(device, DetectionRule.CertificateExpiry, CertificateExpiryRule.Evaluate(device, at, Options), at, 1, 1, _output);
        return Result();
    }

    /// <summary>
    /// Sets the version a product's devices should run (null: the version most of them run). Devices on another version
    /// get <c>version-drift</c> after the grace period, counted from now.
    /// </summary>
    public void SetTargetVersion(string product, FirmwareVersion? target, DateTime now)
    {
        ProductState state = Product(product);
        state.Target = target;
        state.TargetSince = Stamp.From(now);
    }

    /// <summary>
    /// The service's call per committed health report (docs/detection.md, "Service integration"): the strict decoder's
    /// output, received at <paramref name="receivedAt"/> by the service's clock. Returns the findings that changed state.
    /// </summary>
    public IReadOnlyList<Finding> OnHealthReport(string deviceId, SecureDevice.Fleet.Telemetry.DecodedHealthReport report, DateTime receivedAt) =>
        OnHealthReport(deviceId, HealthSample.From(report), receivedAt);

    /// <summary>A health report's values that arrived at <paramref name="receivedAt"/> (the service's clock).</summary>
    public IReadOnlyList<Finding> OnHealthReport(string deviceId, HealthSample sample, DateTime receivedAt)
    {
        ArgumentNullException.ThrowIfNull(sample);
        DeviceState device = Device(deviceId);
        int now = Stamp.From(receivedAt);
        _output.Clear();
        bool first = device.LastReportAt == 0;
        if (first)
        {
            device.Product.Reporting++;
        }

        if (device.Silent)
        {
            device.Silent = false;
            device.Product.Silent--;
        }

        FindingTracker.Apply(device, DetectionRule.Silence, Verdict.Normal(first ? 0 : now - device.LastReportAt, SilenceRule.ExpectedInterval(device)), now, 1, 1, _output);

        // From here on the rules see this report as the last one (safe mode in a device's very first report counts).
        device.LastReportAt = now;
        if (device.Cohort == null || device.Cohort.Version != sample.Version)
        {
            ChangeVersion(device, sample.Version, now);
        }

        bool newBoot = first || sample.BootCount != device.LastBootCount || sample.UptimeSeconds < device.LastUptime;
        if (newBoot)
        {
            CountBoots(device, sample, first, now);
        }

        device.LastFlags = sample.Flags;
        // The storage faults are published once per boot; the report's flags say whether the condition still holds. A flagged
        // report keeps the finding open (its time is the rule's last sighting) and opens it if the fault was never seen.
        if (StorageFailedRule.Flagged(sample.Flags))
        {
            FindingTracker.Apply(device, DetectionRule.StorageFailed, StorageFailedRule.Reported(), now, 1, 1, _output);
        }

        if (FloorSaveFailedRule.Flagged(sample.Flags))
        {
            FindingTracker.Apply(device, DetectionRule.FloorSaveFailed, FloorSaveFailedRule.Reported(), now, 1, 1, _output);
        }

        ObserveRates(device, sample, newBoot, now, out double? upRate, out double? downRate);
        JudgeCoinMiner(device, sample, upRate, downRate, now);
        FindingTracker.Apply(device, DetectionRule.RebootLoop, BootRules.RebootLoop(device, now, Options), now, 1, 1, _output);
        FindingTracker.Apply(device, DetectionRule.UncleanBoots, BootRules.UncleanBoots(device, now, Options), now, 1, 1, _output);
        JudgeHeap(device, sample, newBoot, now);
        FindingTracker.Apply(device, DetectionRule.VersionDrift, VersionDriftRule.Evaluate(device, now, Options), now, 1, 1, _output);

        device.LastBootCount = sample.BootCount;
        device.LastUptime = sample.UptimeSeconds;
        return Result();
    }

    /// <summary>What the broker or the service saw of the device during one window (trust-free rules).</summary>
    /// <exception cref="ArgumentException">The window ends before it starts, or counts are negative.</exception>
    public IReadOnlyList<Finding> OnTraffic(string deviceId, TrafficWindow window)
    {
        if (window.End <= window.Start || window.MessagesUp < 0 || window.BytesUp < 0 || window.MessagesDown < 0 || window.BytesDown < 0 || window.Connects < 0 || window.Malformed < 0 || window.Refused < 0)
        {
            throw new ArgumentException("a traffic window ends after it starts and counts nothing negative", nameof(window));
        }

        DeviceState device = Device(deviceId);
        _output.Clear();
        JudgeTraffic(device, window);
        return Result();
    }

    /// <summary>An update event's outcome code (<c>Core.Update.UpdateOutcome</c>) from the device.</summary>
    public IReadOnlyList<Finding> OnUpdateOutcome(string deviceId, int outcome, DateTime at)
    {
        DeviceState device = Device(deviceId);
        _output.Clear();
        RejectionKind kind = UpdateRejectionRule.Classify(outcome);
        if (kind != RejectionKind.None)
        {
            int now = Stamp.From(at);
            FindingTracker.Apply(device, DetectionRule.UpdateRejected, UpdateRejectionRule.Record(device, kind, outcome, now), now, 1, 1, _output);
        }

        return Result();
    }

    /// <summary>
    /// A fault event from the device: boot <paramref name="bootCount"/> was a fault reboot (counted once with its report).
    /// <paramref name="code"/> is the event's fault code (<c>Core.Boot.FaultLog.Name</c>): <c>rollback-refused</c> also raises
    /// update-rejected, critical at once; <c>floor-unknown</c> (a boot that could read neither update record, so it runs no
    /// application) raises storage-failed, critical at once; <c>floor-save-failed</c> (the flash refused a save of the floor
    /// record; the device runs) raises floor-save-failed, a warning, and is the one code whose boot is no fault reboot: that
    /// boot counts by its report's reason alone. Any other code, known or not, changes nothing else.
    /// </summary>
    public IReadOnlyList<Finding> OnFault(string deviceId, string? code, long bootCount, DateTime at)
    {
        DeviceState device = Device(deviceId);
        _output.Clear();
        int now = Stamp.From(at);
        if (code == RollbackRefusedCode)
        {
            FindingTracker.Apply(device, DetectionRule.UpdateRejected, UpdateRejectionRule.RecordStateErased(device, now), now, 1, 1, _output);
        }
        else if (code == FloorUnknownCode)
        {
            FindingTracker.Apply(device, DetectionRule.StorageFailed, StorageFailedRule.Record(), now, 1, 1, _output);
        }
        else if (code == FloorSaveFailedCode)
        {
            FindingTracker.Apply(device, DetectionRule.FloorSaveFailed, FloorSaveFailedRule.Record(), now, 1, 1, _output);
        }

        // A floor-save failure is recorded while the device runs (at boot or at a confirmation), not before a fault reboot:
        // counting its boot would feed reboot-loop and unclean-boots a boot that was neither.
        if (code != FloorSaveFailedCode && bootCount > device.LastCountedBoot)
        {
            device.AddBoot(now);
            device.LastCountedBoot = bootCount;
            FindingTracker.Apply(device, DetectionRule.RebootLoop, BootRules.RebootLoop(device, now, Options), now, 1, 1, _output);
            FindingTracker.Apply(device, DetectionRule.UncleanBoots, BootRules.UncleanBoots(device, now, Options), now, 1, 1, _output);
        }

        return Result();
    }

    /// <summary>
    /// The passage of time (call every minute or so): silence, certificate expiry, findings that clear with time, traffic
    /// rules of devices the service stopped seeing, and the cohort statistics every
    /// <see cref="DetectionOptions.CohortRefreshSeconds"/>. Cost: one pass over the devices.
    /// </summary>
    public IReadOnlyList<Finding> Tick(DateTime now)
    {
        int at = Stamp.From(now);
        _output.Clear();
        if (_cohortsAt == 0 || at - _cohortsAt >= Options.CohortRefreshSeconds)
        {
            RefreshCohorts(at);
        }

        foreach (DeviceState device in _devices.Values)
        {
            bool overdue = SilenceRule.Overdue(device, at, Options);
            if (overdue != device.Silent)
            {
                device.Silent = overdue;
                device.Product.Silent += overdue ? 1 : -1;
            }
        }

        foreach (DeviceState device in _devices.Values)
        {
            TickDevice(device, at);
        }

        return Result();
    }

    /// <summary>
    /// An operator accepts the device's present behaviour: its baselines start over and learn every sample until warm,
    /// so a lasting, legitimate change stops being compared with the past. Open findings clear as verdicts allow.
    /// </summary>
    /// <returns>False when the device is unknown.</returns>
    public bool ResetBaselines(string deviceId)
    {
        if (!_devices.TryGetValue(deviceId, out DeviceState? device))
        {
            return false;
        }

        ResetLearning(device);
        device.Accepting = true;
        return true;
    }

    /// <summary>Drops a device's state (deregistered or revoked).</summary>
    public bool Forget(string deviceId)
    {
        if (!_devices.Remove(deviceId, out DeviceState? device))
        {
            return false;
        }

        Leave(device);
        return true;
    }

    /// <summary>The device's state as bytes (<see cref="DeviceStateCodec"/>), or null when unknown.</summary>
    public byte[]? ExportState(string deviceId) =>
        _devices.TryGetValue(deviceId, out DeviceState? device) ? DeviceStateCodec.Write(device) : null;

    /// <summary>Restores (or replaces) a device's state exported by <see cref="ExportState"/>.</summary>
    /// <exception cref="System.IO.InvalidDataException">Not an exported state of a known format.</exception>
    public string ImportState(byte[] state)
    {
        DeviceState device = DeviceStateCodec.Read(state, Product);
        Forget(device.Id);
        _devices.Add(device.Id, device);
        if (device.Cohort != null)
        {
            device.Cohort.Members++;
        }

        if (device.LastReportAt != 0)
        {
            device.Product.Reporting++;
            device.Product.Silent += device.Silent ? 1 : 0;
        }

        return device.Id;
    }

    private IReadOnlyList<Finding> Result() => _output.Count == 0 ? None : _output.ToArray();

    private DeviceState Device(string deviceId)
    {
        if (string.IsNullOrEmpty(deviceId))
        {
            throw new ArgumentException("a device id is required", nameof(deviceId));
        }

        if (!_devices.TryGetValue(deviceId, out DeviceState? device))
        {
            device = new DeviceState(deviceId, Product(UnknownProduct));
            _devices.Add(deviceId, device);
        }

        return device;
    }

    private ProductState Product(string name)
    {
        if (!_products.TryGetValue(name, out ProductState? product))
        {
            product = new ProductState(name);
            _products.Add(name, product);
        }

        return product;
    }

    private static void MoveToProduct(DeviceState device, ProductState product)
    {
        if (device.Product == product)
        {
            return;
        }

        Leave(device);
        device.Product = product;
        if (device.Cohort != null)
        {
            device.Cohort = product.Cohort(device.Cohort.Version);
            device.Cohort.Members++;
        }

        if (device.LastReportAt != 0)
        {
            product.Reporting++;
            product.Silent += device.Silent ? 1 : 0;
        }
    }

    // Takes the device out of its product's and cohort's counts.
    private static void Leave(DeviceState device)
    {
        if (device.Cohort != null)
        {
            device.Cohort.Members--;
        }

        if (device.LastReportAt != 0)
        {
            device.Product.Reporting--;
            device.Product.Silent -= device.Silent ? 1 : 0;
        }
    }

    private static void ChangeVersion(DeviceState device, FirmwareVersion version, int now)
    {
        if (device.Cohort != null)
        {
            device.Cohort.Members--;
        }

        device.Cohort = device.Product.Cohort(version);
        device.Cohort.Members++;
        device.VersionSince = now;

        // A new version may legitimately draw more power or talk more: its own history starts over, its cohort judges it meanwhile.
        ResetLearning(device);
    }

    private static void ResetLearning(DeviceState device)
    {
        for (int m = 0; m < DeviceState.MetricCount; m++)
        {
            device.Baseline((Metric)m).Reset();
        }

        device.PendingUp = 0;
        device.PendingDown = 0;
        device.PendingSeconds = 0;
        device.DeviceTrafficElevatedAt = 0;
        device.BrokerElevatedAt = 0;
        device.NativeHeap.Reset();
        device.ManagedHeap.Reset();
    }

    private static void CountBoots(DeviceState device, HealthSample sample, bool first, int now)
    {
        int bootAt = Math.Max(1, now - (int)Math.Clamp(sample.UptimeSeconds, 0, int.MaxValue / 2));

        // Boots between two reports (several reboots before the device got a report out): their reasons are unknown, so
        // they count, as an unknown boot does on the device. At most what the ring holds.
        if (!first && sample.BootCount > device.LastBootCount + 1)
        {
            long between = Math.Min(sample.BootCount - device.LastBootCount - 1, DeviceState.BootRingSize);
            for (long k = between; k >= 1; k--)
            {
                if (sample.BootCount - k > device.LastCountedBoot)
                {
                    device.AddBoot(bootAt);
                }
            }
        }

        if (BootRules.Counts(sample.BootReason) && sample.BootCount > device.LastCountedBoot)
        {
            device.AddBoot(bootAt);
        }

        device.LastCountedBoot = Math.Max(device.LastCountedBoot, sample.BootCount);
    }

    // Reported bytes since the last report become rates once they cover two minutes (an early report covers less).
    private void ObserveRates(DeviceState device, HealthSample sample, bool newBoot, int now, out double? upRate, out double? downRate)
    {
        upRate = null;
        downRate = null;
        long seconds = newBoot ? sample.UptimeSeconds : sample.UptimeSeconds - device.LastUptime;
        if (seconds < 0 || seconds > 7 * 86400)
        {
            return;
        }

        device.PendingUp += Math.Max(0, sample.BytesUpSinceLast);
        device.PendingDown += Math.Max(0, sample.BytesDownSinceLast);
        device.PendingSeconds += (int)seconds;
        if (device.PendingSeconds < 120)
        {
            return;
        }

        upRate = device.PendingUp * 3600.0 / device.PendingSeconds;
        downRate = device.PendingDown * 3600.0 / device.PendingSeconds;
        device.PendingUp = 0;
        device.PendingDown = 0;
        device.PendingSeconds = 0;
        if (CoinMinerRule.TrafficElevated(device, upRate.Value, downRate.Value, Options, out bool upElevated, out bool downElevated))
        {
            device.DeviceTrafficElevatedAt = now;
        }

        if (Learning(device, DetectionRule.CoinMiner))
        {
            Learn(device, Metric.DeviceUp, upRate.Value, upElevated);
            Learn(device, Metric.DeviceDown, downRate.Value, downElevated);
        }
    }

    private void JudgeCoinMiner(DeviceState device, HealthSample sample, double? upRate, double? downRate, int now)
    {
        Verdict verdict = CoinMinerRule.Evaluate(device, sample, now, Options, out bool loadElevated, out bool currentElevated);
        FindingTracker.Apply(device, DetectionRule.CoinMiner, verdict, now, 1, Options.ClearSamples, _output);
        if (!Learning(device, DetectionRule.CoinMiner))
        {
            return;
        }

        if (sample.LoadPercent is long load)
        {
            Learn(device, Metric.Load, load, loadElevated);
        }

        if (sample.SupplyMilliamps is long current)
        {
            Learn(device, Metric.Current, current, currentElevated);
        }

        if (device.Accepting && device.Baseline(Metric.DeviceUp).IsWarm(Options.WarmupSamples))
        {
            device.Accepting = false;
        }
    }

    private void JudgeHeap(DeviceState device, HealthSample sample, bool newBoot, int now)
    {
        if (newBoot)
        {
            device.NativeHeap.Reset();
            device.ManagedHeap.Reset();
        }

        if (sample.HeapFreeKiB is long native)
        {
            device.NativeHeap.Add(native, now);
        }

        if (sample.ManagedFreeKiB is long managed)
        {
            device.ManagedHeap.Add(managed, now);
        }

        // Judged only with enough hours of this boot: a reboot neither confirms nor clears a leak until then.
        if (device.NativeHeap.Count >= Options.LeakCheckpoints || device.ManagedHeap.Count >= Options.LeakCheckpoints)
        {
            FindingTracker.Apply(device, DetectionRule.HeapLeak, HeapLeakRule.Evaluate(device, Options), now, 1, 1, _output);
        }
    }

    private void JudgeTraffic(DeviceState device, in TrafficWindow window)
    {
        int now = Stamp.From(window.End);
        double seconds = Math.Max(1, (window.End - window.Start).TotalSeconds);
        device.LastTrafficAt = Math.Max(device.LastTrafficAt, now);

        // The shadow buckets' debt is the hysteresis: a rule clears once the device stayed within limits long enough to repay it.
        FindingTracker.Apply(device, DetectionRule.InvalidData, RateLimitRules.InvalidData(device, window, seconds, Options), now, 1, 1, _output);
        // The broker's refusals are counted when they happen (its report's interval), not when a backlog arrives: judged always.
        FindingTracker.Apply(device, DetectionRule.OutsideAcl, OutsideAclRule.Evaluate(window, seconds), now, 1, OutsideAclRule.ClearAfterWindows, _output);
        if (window.Backlog)
        {
            return;
        }

        FindingTracker.Apply(device, DetectionRule.MessageFlood, RateLimitRules.MessageFlood(device, window, seconds, Options), now, 1, 1, _output);
        FindingTracker.Apply(device, DetectionRule.ReconnectStorm, RateLimitRules.ReconnectStorm(device, window, seconds, Options), now, 1, 1, _output);
        if (seconds < 60)
        {
            return;
        }

        double up = window.BytesUp * 3600 / seconds;
        double down = window.BytesDown * 3600 / seconds;
        Verdict surge = TrafficSurgeRule.Evaluate(device, up, down, Options, out bool upElevated, out bool downElevated);
        FindingTracker.Apply(device, DetectionRule.TrafficSurge, surge, now, Options.ConfirmSamples, Options.ClearSamples, _output);
        if (upElevated || downElevated)
        {
            device.BrokerElevatedAt = now;
        }

        if (Learning(device, DetectionRule.TrafficSurge))
        {
            Learn(device, Metric.BrokerUp, up, upElevated);
            Learn(device, Metric.BrokerDown, down, downElevated);
        }
    }

    private void TickDevice(DeviceState device, int now)
    {
        if (device.LastReportAt != 0)
        {
            ProductState product = device.Product;
            bool outage = product.Reporting >= 10 && product.Silent >= Options.OutageShare * product.Reporting;
            Verdict silence = SilenceRule.Evaluate(device, now, Options);
            if (!(silence.Anomalous && outage && !device.Track(DetectionRule.Silence).Open))
            {
                FindingTracker.Apply(device, DetectionRule.Silence, silence, now, 1, 1, _output);
            }
        }

        if (device.CertificateNotAfter != 0)
        {
            FindingTracker.Apply(device, DetectionRule.CertificateExpiry, CertificateExpiryRule.Evaluate(device, now, Options), now, 1, 1, _output);
        }

        if (device.Track(DetectionRule.RebootLoop).Open)
        {
            FindingTracker.Apply(device, DetectionRule.RebootLoop, BootRules.RebootLoop(device, now, Options), now, 1, 1, _output);
        }

        if (device.Track(DetectionRule.UncleanBoots).Open)
        {
            FindingTracker.Apply(device, DetectionRule.UncleanBoots, BootRules.UncleanBoots(device, now, Options), now, 1, 1, _output);
        }

        if (device.Track(DetectionRule.UpdateRejected).Open && !UpdateRejectionRule.Recent(device, now, Options))
        {
            FindingTracker.Clear(device, DetectionRule.UpdateRejected, "no rejected bundle for " + Options.RejectionQuietDays + " days", _output);
        }

        if (device.Track(DetectionRule.StorageFailed).Open && !StorageFailedRule.Holds(device, now, Options))
        {
            FindingTracker.Clear(device, DetectionRule.StorageFailed, "no unreadable-storage fault nor flagged report for " + Options.RejectionQuietDays + " days, the latest report unflagged", _output);
        }

        if (device.Track(DetectionRule.FloorSaveFailed).Open && !FloorSaveFailedRule.Holds(device, now, Options))
        {
            FindingTracker.Clear(device, DetectionRule.FloorSaveFailed, "no failed floor-record save nor flagged report for " + Options.RejectionQuietDays + " days, the latest report unflagged", _output);
        }

        // The service stopped passing windows for this device (it is gone or quiet): an empty window lets open rate findings clear.
        bool rateOpen = device.Track(DetectionRule.MessageFlood).Open || device.Track(DetectionRule.ReconnectStorm).Open
            || device.Track(DetectionRule.InvalidData).Open || device.Track(DetectionRule.TrafficSurge).Open;
        if (rateOpen && device.LastTrafficAt != 0 && now - device.LastTrafficAt >= 900)
        {
            DateTime start = Stamp.ToTime(device.LastTrafficAt);
            JudgeTraffic(device, new TrafficWindow(start, Stamp.ToTime(now), 0, 0, 0, 0, 0, 0));
        }
    }

    private void RefreshCohorts(int now)
    {
        _cohortsAt = now;
        foreach (List<float>[] lists in _scratch.Values)
        {
            foreach (List<float> list in lists)
            {
                list.Clear();
            }
        }

        foreach (DeviceState device in _devices.Values)
        {
            // Suspects stay out: a cohort of miners must not make mining look normal.
            CohortState? cohort = device.Cohort;
            if (cohort == null || device.Track(DetectionRule.CoinMiner).Open || device.Track(DetectionRule.TrafficSurge).Open)
            {
                continue;
            }

            if (!_scratch.TryGetValue(cohort, out List<float>[]? lists))
            {
                lists = new List<float>[DeviceState.MetricCount];
                for (int m = 0; m < lists.Length; m++)
                {
                    lists[m] = new List<float>();
                }

                _scratch.Add(cohort, lists);
            }

            for (int m = 0; m < DeviceState.MetricCount; m++)
            {
                ref RobustBaseline baseline = ref device.Baseline((Metric)m);
                if (baseline.IsWarm(Options.WarmupSamples))
                {
                    lists[m].Add((float)baseline.Mean);
                }
            }
        }

        foreach (var (cohort, lists) in _scratch)
        {
            for (int m = 0; m < DeviceState.MetricCount; m++)
            {
                cohort.Set((Metric)m, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(lists[m]));
            }
        }

        foreach (ProductState product in _products.Values)
        {
            product.UpdateMajority(now);
        }
    }

    // Baselines learn while the rule that compares them has nothing pending or open, and never from an elevated sample
    // (unless an operator accepted the device's behaviour).
    private static bool Learning(DeviceState device, DetectionRule rule)
    {
        RuleTrack track = device.Track(rule);
        bool pending = rule == DetectionRule.CoinMiner ? device.MinerStreak > 0 : track.Hits > 0;
        return device.Accepting || (!track.Open && !pending);
    }

    private void Learn(DeviceState device, Metric metric, double value, bool elevated)
    {
        if (!elevated || device.Accepting)
        {
            device.Baseline(metric).Add(value, Options.Alpha, Options.WarmupSamples, Elevation.Floor(metric));
        }
    }
}
