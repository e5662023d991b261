using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Detection;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Integration;

/// <summary>
/// Feeds workstream B's <see cref="DetectionEngine"/> from ingest: each committed report (OnHealthReport), each device's
/// traffic per window as the service saw it (messages, bytes, refused payloads: facts a lying device cannot forge; its
/// connections as its own "online" status messages say; nothing down: docs/detection.md, "What the service passes"),
/// registrations from the registry (also of devices that never reported whose certificate nears expiry), and a periodic
/// Tick (silence, cohorts). The engine is not thread-safe, so one worker makes every call: ingest only queues
/// batches (bounded; a full queue drops the batch and counts it, ingest never waits). Each changed finding is stored
/// (open or clear through <see cref="IFindingStore"/>), handed to the owner's alerts, and, for the ladder's rules, to the
/// response policy as a signal. Stored update and fault events feed the update-rejected, storage-failed, floor-save-failed and boot rules
/// (<see cref="DetectionEngine.OnUpdateOutcome"/>, <see cref="DetectionEngine.OnFault"/>). The per-device state
/// (baselines, boot ring, finding states) is snapshotted to the database (<see cref="ServiceStateSchema.DetectionState"/>)
/// every <see cref="IntegrationOptions.SnapshotInterval"/> for the devices that changed, and at a clean stop; it is
/// reloaded before the first batch, so a restart does not start every baseline over.
/// </summary>
public sealed class DetectionWorker : IIngestObserver, IServiceAttachment
{
    /// <summary>Signal reasons of findings start with this, then the rule code.</summary>
    public const string FindingSignalPrefix = "finding:";

    /// <summary>Batches held before new ones are dropped.</summary>
    public const int QueueCapacity = 4096;

    /// <summary>
    /// Reports, events and rejections held before new batches are dropped: about 6.5 s of a 10,000/s stream. A count of
    /// batches alone did not bound memory (a batch holds up to 2,000 reports); at 10,000/s offered on 2 cores detection
    /// fell behind and the service grew to 317 MB (docs/scale.md, fourth round).
    /// </summary>
    public const int QueueItems = 65_536;

    /// <summary>How often the registry is swept for certificates entering the expiry horizon while it does not change.</summary>
    public static readonly TimeSpan RegistrySweepInterval = TimeSpan.FromHours(1);

    /// <summary>Ingest reasons counted as malformed in a traffic window (replays, rate limits and unknown devices are not).</summary>
    private static readonly HashSet<string> MalformedReasons = new(StringComparer.Ordinal)
    {
        "bad-topic", "too-large", "malformed-cbor", "wrong-shape", "unsupported-schema", "bad-event", "bad-presence",
    };

    private DetectionEngine _engine;
    private readonly IntegrationOptions _options;
    private readonly TimeProvider _time;
    private readonly Channel<CommittedBatch> _batches = Channel.CreateBounded<CommittedBatch>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Dictionary<string, Traffic> _traffic = new(StringComparer.Ordinal);
    // What each device was registered with: a changed inventory entry (another product, so another cohort; a renewed
    // certificate) registers it again.
    private readonly Dictionary<string, Registered> _registered = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private FleetService? _service;
    private DeviceRegistry? _registry;
    private long _registryVersion = -1;
    private DateTime _nextSweep;
    private ServiceStateStore? _state;
    private ILogger _log = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    private DateTime _windowStart;
    private long _dropped;
    private long _queuedItems;
    private DetectionFeedStore? _feed;
    private string _leaseOwner = string.Empty;
    private long _cursor;
    private bool _windowClosed;
    private bool _expiredLogged;

    public DetectionWorker(IntegrationOptions options, TimeProvider time)
    {
        _options = options;
        _engine = new DetectionEngine(options.Detection);
        _time = time;
        _windowStart = time.GetUtcNow().UtcDateTime;
    }

    /// <summary>Where changed findings are alerted (set by <see cref="FleetIntegration"/> when attached).</summary>
    public IAlertSink? Alerts { get; set; }

    /// <summary>Device states restored from the database at start.</summary>
    public int Restored { get; private set; }

    /// <summary>The product (cohort) the device was registered with, or null before its first report or event (worker's view).</summary>
    public string? ProductOf(string deviceId)
    {
        lock (_registered)
        {
            return _registered.TryGetValue(deviceId, out Registered? registered) ? registered.Product : null;
        }
    }

    /// <summary>Batches dropped because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Whether the backlog of ingest's outage credit was draining during a window (UTC start, end; from the credit until
    /// the writer found its queue dry, at most the credit's end: <see cref="SecureDevice.Service.Ingest.IngestPipeline.BacklogDuring"/>): such a window
    /// holds the backlog the broker queued while the service was away, delivered at once, so it is passed as <see cref="TrafficWindow.Backlog"/>
    /// and the rate rules skip it (docs/detection.md). Set from the pipeline when attached.
    /// </summary>
    internal Func<DateTime, DateTime, bool>? BacklogDuring { get; set; }

    /// <summary>The engine the worker feeds (tests compare its state).</summary>
    internal DetectionEngine Engine => _engine;

    public void Attach(FleetService service)
    {
        _service = service;
        _registry = service.Registry;
        BacklogDuring = (start, end) => service.Pipeline.BacklogDuring(new DateTimeOffset(start, TimeSpan.Zero).ToUnixTimeMilliseconds(), new DateTimeOffset(end, TimeSpan.Zero).ToUnixTimeMilliseconds());
        _log = service.Log;
        _state = new ServiceStateStore(service.Dialect);
        if (service.Options.Ingest.DetectionFeed == DetectionFeedMode.Database)
        {
            UseFeed(new DetectionFeedStore(service.Dialect), service.Instance);
        }
    }

    /// <summary>
    /// Feeds this worker from the database's detection feed instead of in process (<see cref="DetectionFeedMode.Database"/>):
    /// batches handed to <see cref="OnCommitted"/> are ignored from then on (they reach the feed through the database,
    /// and counting them twice would double every rate); <see cref="RunAsync"/> judges the feed while this instance
    /// holds the detection lease. Set by <see cref="Attach"/> from the service's options; tests call it with their own store.
    /// </summary>
    internal void UseFeed(DetectionFeedStore feed, string instance)
    {
        _feed = feed;
        // Unique per process: two workers of one instance name (a restart racing the old process) never share the lease.
        _leaseOwner = instance + "/" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
    }

    /// <summary>Whether this worker holds the detection lease now (database feed only).</summary>
    public bool HoldsLease { get; private set; }

    /// <summary>The last feed row judged into the current state (database feed only).</summary>
    public long FeedCursor => Interlocked.Read(ref _cursor);

    /// <summary>The state store the worker snapshots to (set by <see cref="Attach"/>; tests set their own).</summary>
    internal ServiceStateStore? State
    {
        get => _state;
        set => _state = value;
    }

    /// <summary>The registry the worker registers devices from (set by <see cref="Attach"/>; tests set their own).</summary>
    internal DeviceRegistry? Registry
    {
        get => _registry;
        set => _registry = value;
    }

    /// <summary>Each changed finding, before it is stored and alerted (tests watch the worker's decisions here).</summary>
    internal Action<Finding>? FindingChanged { get; set; }

    /// <summary>Judges one batch now, on the caller's thread (tests; the service's worker calls it from <see cref="RunAsync"/>).</summary>
    internal Task JudgeAsync(CommittedBatch batch) => OnBatchAsync(batch, CancellationToken.None);

    /// <summary>One tick now (tests).</summary>
    internal Task TickNowAsync(DateTime now) => TickAsync(now, CancellationToken.None);

    /// <summary>Reports, events and rejections in the queue now.</summary>
    public long QueuedItems => Interlocked.Read(ref _queuedItems);

    public void OnCommitted(CommittedBatch batch)
    {
        if (_feed != null)
        {
            return; // fed from the database: this batch reaches detection through the feed
        }

        int items = Items(batch);
        if (Interlocked.Add(ref _queuedItems, items) > QueueItems || !_batches.Writer.TryWrite(batch))
        {
            Interlocked.Add(ref _queuedItems, -items);
            Interlocked.Increment(ref _dropped);
            _service?.Metrics.DetectionDropped.Inc();
        }

        _service?.Metrics.DetectionQueueItems.Set(QueuedItems);
    }

    private static int Items(CommittedBatch batch) => batch.Reports.Count + batch.Events.Count + batch.Rejections.Count + batch.Statuses.Count + batch.Refusals.Count;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_feed != null)
        {
            await RunFeedAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        await Guarded(() => RestoreAsync(cancellationToken)).ConfigureAwait(false);
        DateTime nextTick = _time.GetUtcNow().UtcDateTime + _options.TickInterval;
        DateTime nextSnapshot = _time.GetUtcNow().UtcDateTime + _options.SnapshotInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Wake for whichever is due first: a snapshot interval shorter than the tick interval is kept too.
            TimeSpan wait = (nextTick < nextSnapshot ? nextTick : nextSnapshot) - _time.GetUtcNow().UtcDateTime;
            using var until = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            until.CancelAfter(wait > TimeSpan.Zero ? wait : TimeSpan.Zero);
            try
            {
                while (await _batches.Reader.WaitToReadAsync(until.Token).ConfigureAwait(false))
                {
                    while (_batches.Reader.TryRead(out CommittedBatch? batch))
                    {
                        _service?.Metrics.DetectionQueueItems.Set(Interlocked.Add(ref _queuedItems, -Items(batch)));
                        await Guarded(() => OnBatchAsync(batch, cancellationToken)).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                break;
            }

            DateTime now = _time.GetUtcNow().UtcDateTime;
            if (now >= nextTick)
            {
                nextTick = now + _options.TickInterval;
                await Guarded(() => TickAsync(now, cancellationToken)).ConfigureAwait(false);
            }

            if (now >= nextSnapshot)
            {
                nextSnapshot = now + _options.SnapshotInterval;
                await Guarded(() => SnapshotAsync(cancellationToken)).ConfigureAwait(false);
            }
        }

        // A clean stop: ingest stopped first, so the batches still queued are all there is; judge them, then snapshot.
        while (_batches.Reader.TryRead(out CommittedBatch? rest))
        {
            Interlocked.Add(ref _queuedItems, -Items(rest));
            await Guarded(() => OnBatchAsync(rest, CancellationToken.None)).ConfigureAwait(false);
        }

        await Guarded(() => SnapshotAsync(CancellationToken.None)).ConfigureAwait(false);
    }

    /// <summary>Writes the state of every device that changed since the last snapshot (on the worker only).</summary>
    private async Task SnapshotAsync(CancellationToken cancellationToken)
    {
        if (_state == null || _service == null || _dirty.Count == 0)
        {
            return;
        }

        var states = new List<KeyValuePair<string, byte[]>>(_dirty.Count);
        foreach (string deviceId in _dirty)
        {
            if (_engine.ExportState(deviceId) is byte[] state)
            {
                states.Add(new KeyValuePair<string, byte[]>(deviceId, state));
            }
        }

        await _state.SaveDetectionAsync(states, _time.GetUtcNow().ToUnixTimeMilliseconds(), _service.Instance, cancellationToken).ConfigureAwait(false);
        _dirty.Clear();
    }

    private async Task RestoreAsync(CancellationToken cancellationToken)
    {
        if (_state == null)
        {
            return;
        }

        int failed = 0;
        await _state.LoadDetectionAsync((deviceId, state) =>
        {
            try
            {
                if (_engine.ImportState(state) == deviceId)
                {
                    Restored++;
                }
            }
            catch (System.IO.InvalidDataException)
            {
                // A snapshot of another format or a damaged row: that device learns again.
                failed++;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (failed > 0)
        {
            _service?.Metrics.DetectionFailures.Inc(failed);
            _log.LogWarning("detection: {Failed} device states could not be restored; those devices learn their baselines again", failed);
        }
    }

    private async Task Guarded(Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // A finding that cannot be stored now is raised again by the engine's next change; detection goes on.
            _service?.Metrics.DetectionFailures.Inc();
            _log.LogWarning("detection: {Error}", Printable.Escape(error.Message));
        }
    }

    private async Task OnBatchAsync(CommittedBatch batch, CancellationToken cancellationToken)
    {
        foreach (StoredReport report in batch.Reports)
        {
            Count(report.DeviceId, report.PayloadBytes, malformed: false);
            DateTime at = DateTimeOffset.FromUnixTimeMilliseconds(report.ReceivedMs).UtcDateTime;
            await RegisterAsync(report.DeviceId, at, cancellationToken).ConfigureAwait(false);
            _dirty.Add(report.DeviceId);
            await HandleAsync(_engine.OnHealthReport(report.DeviceId, report.Report, at), cancellationToken).ConfigureAwait(false);
        }

        foreach (StoredEvent e in batch.Events)
        {
            Count(e.DeviceId, e.Payload.Length, malformed: false);
            await OnEventAsync(e, cancellationToken).ConfigureAwait(false);
        }

        foreach (IngestRejection rejection in batch.Rejections)
        {
            if (rejection.Reason is not ("unknown-device" or "revoked-device" or "redelivered" or "duplicate" or "stale"))
            {
                Count(rejection.DeviceId, rejection.Bytes, MalformedReasons.Contains(rejection.Reason));
            }
        }

        foreach (BrokerRefusal refusal in batch.Refusals)
        {
            // Publishes the broker refused never reached the service: not messages, only the outside-acl rule's count. Only
            // registered devices: a client id the inventory does not know stays an ingest counter (no engine state for it).
            if ((_registry == null || _registry.TryGet(refusal.DeviceId, out _)) && Track(refusal.DeviceId) is Traffic traffic)
            {
                DateTime at = DateTimeOffset.FromUnixTimeMilliseconds(refusal.ReceivedMs).UtcDateTime;
                await RegisterAsync(refusal.DeviceId, at, cancellationToken).ConfigureAwait(false);
                traffic.Refused += refusal.Count;
            }
        }

        foreach (StoredStatus status in batch.Statuses)
        {
            // Our firmware says "online" once after each connection it opens: the connections reconnect-storm counts (the
            // device's word; an "offline", its will or its goodbye, ends a connection already counted). A redelivery that
            // changed nothing was stored, and counted, at its first delivery. A status that changed presence is a "presence"
            // event too, counted as a message above.
            if ((status.Redelivery && !status.Changed) || Track(status.DeviceId) is not Traffic traffic)
            {
                continue;
            }

            if (!status.Changed)
            {
                traffic.Messages++;
                traffic.Bytes += status.Bytes;
            }

            if (status.Online)
            {
                traffic.Connects++;
            }
        }

        // Fed from the database, the window's clock is the batch's commit time: a replay after a takeover falls into the
        // windows it was committed in, not into one window of the replay's instant.
        DateTime clock = _feed != null ? DateTimeOffset.FromUnixTimeMilliseconds(batch.CommittedMs).UtcDateTime : _time.GetUtcNow().UtcDateTime;
        if (_windowStart == default)
        {
            _windowStart = clock;
        }

        await CloseWindowIfDueAsync(clock, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// An update event's outcome feeds update-rejected; a fault event's boot the reboot-loop and unclean-boot rules, and its
    /// code update-rejected when it is rollback-refused, storage-failed when it is floor-unknown and floor-save-failed when it
    /// is floor-save-failed (whose boot is no fault reboot; the detail, device text, is not passed on).
    /// </summary>
    private async Task OnEventAsync(StoredEvent e, CancellationToken cancellationToken)
    {
        DateTime at = DateTimeOffset.FromUnixTimeMilliseconds(e.ReceivedMs).UtcDateTime;
        IReadOnlyList<Finding>? findings = null;
        if (e.Kind == "update" && DeviceEventFacts.TryUpdateOutcome(e.Payload, out int outcome))
        {
            await RegisterAsync(e.DeviceId, at, cancellationToken).ConfigureAwait(false);
            findings = _engine.OnUpdateOutcome(e.DeviceId, outcome, at);
        }
        else if (e.Kind == "fault" && DeviceEventFacts.TryFault(e.Payload, out long boot, out string? code))
        {
            await RegisterAsync(e.DeviceId, at, cancellationToken).ConfigureAwait(false);
            findings = _engine.OnFault(e.DeviceId, code, boot, at);
        }

        if (findings != null)
        {
            _dirty.Add(e.DeviceId);
            await HandleAsync(findings, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task TickAsync(DateTime now, CancellationToken cancellationToken)
    {
        await CloseWindowIfDueAsync(now, cancellationToken).ConfigureAwait(false);
        await SweepRegistryAsync(now, cancellationToken).ConfigureAwait(false);
        await HandleAsync(_engine.Tick(now), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Registers from the registry, when it was reloaded and every <see cref="RegistrySweepInterval"/>, the devices whose
    /// registration changed (another product, a renewed certificate: the finding of an expiring certificate clears without
    /// waiting for a report) and the active devices not seen yet whose certificate expires within the certificate-expiry
    /// rule's warning horizon (or has expired), so that a provisioned device that never connected gets its finding. Other
    /// never-seen devices stay out of the engine: no rule has anything to say about them yet (silence only judges devices
    /// that reported), and each would cost the engine a device's state (about 700 bytes, docs/detection.md).
    /// </summary>
    private async Task SweepRegistryAsync(DateTime now, CancellationToken cancellationToken)
    {
        if (_registry == null || (_registry.Version == _registryVersion && now < _nextSweep))
        {
            return;
        }

        _registryVersion = _registry.Version;
        _nextSweep = now + RegistrySweepInterval;
        long horizonMs = new DateTimeOffset(now, TimeSpan.Zero).ToUnixTimeMilliseconds() + (long)_engine.Options.CertificateWarningDays * 86_400_000L;
        foreach (DeviceRecord device in _registry.Devices)
        {
            bool known = _registered.TryGetValue(device.DeviceId, out Registered? registered);
            if (known ? registered!.Product != device.Product || registered.NotAfterMs != device.NotAfterMs
                : device.Status == "active" && device.NotAfterMs > 0 && device.NotAfterMs <= horizonMs)
            {
                await RegisterAsync(device.DeviceId, now, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RegisterAsync(string deviceId, DateTime at, CancellationToken cancellationToken)
    {
        if (_registry == null || !_registry.TryGet(deviceId, out DeviceRecord device)
            || (_registered.TryGetValue(deviceId, out Registered? registered) && registered.Product == device.Product && registered.NotAfterMs == device.NotAfterMs))
        {
            return;
        }

        lock (_registered)
        {
            _registered[deviceId] = new Registered(device.Product, device.NotAfterMs);
        }

        DateTime? notAfter = device.NotAfterMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(device.NotAfterMs).UtcDateTime : null;
        await HandleAsync(_engine.Register(deviceId, new DeviceRegistration(device.Product, notAfter, _options.ReportIntervalSeconds), at), cancellationToken).ConfigureAwait(false);
    }

    private void Count(string deviceId, int bytes, bool malformed)
    {
        if (Track(deviceId) is not Traffic traffic)
        {
            return;
        }

        traffic.Messages++;
        traffic.Bytes += bytes;
        if (malformed)
        {
            traffic.Malformed++;
        }
    }

    /// <summary>The device's counts in this window, or null when <see cref="IntegrationOptions.MaxTrackedDevices"/> are counted already.</summary>
    private Traffic? Track(string deviceId)
    {
        if (!_traffic.TryGetValue(deviceId, out Traffic? traffic))
        {
            if (_traffic.Count >= _options.MaxTrackedDevices)
            {
                return null;
            }

            traffic = new Traffic();
            _traffic[deviceId] = traffic;
        }

        return traffic;
    }

    private async Task CloseWindowIfDueAsync(DateTime now, CancellationToken cancellationToken)
    {
        if (now - _windowStart < _options.TrafficWindow)
        {
            return;
        }

        DateTime start = _windowStart;
        _windowStart = now;
        // A window the backlog's drain overlaps holds backlog: its rate is the drain's, not the devices'. A device flooding
        // meanwhile is still held to the fair limits (burst + rate x outage at most) and judged by the next window.
        bool backlog = BacklogDuring?.Invoke(start, now) ?? false;
        foreach (KeyValuePair<string, Traffic> entry in _traffic)
        {
            var window = new TrafficWindow(start, now, entry.Value.Messages, entry.Value.Bytes, 0, 0, (int)Math.Min(int.MaxValue, entry.Value.Connects), (int)Math.Min(int.MaxValue, entry.Value.Malformed), backlog, (int)Math.Min(int.MaxValue, entry.Value.Refused));
            _dirty.Add(entry.Key);
            await HandleAsync(_engine.OnTraffic(entry.Key, window), cancellationToken).ConfigureAwait(false);
        }

        _traffic.Clear();
        _windowClosed = true;
    }

    private async Task HandleAsync(IReadOnlyList<Finding> findings, CancellationToken cancellationToken)
    {
        if (findings.Count == 0 || (_service == null && FindingChanged == null))
        {
            return;
        }

        // The engine reuses its output list: copy before awaiting.
        foreach (Finding finding in new List<Finding>(findings))
        {
            _dirty.Add(finding.DeviceId);
            FindingChanged?.Invoke(finding);
            if (_service == null)
            {
                continue;
            }

            long firstMs = new DateTimeOffset(finding.FirstSeen, TimeSpan.Zero).ToUnixTimeMilliseconds();
            long lastMs = new DateTimeOffset(finding.LastSeen, TimeSpan.Zero).ToUnixTimeMilliseconds();
            bool open = finding.State == FindingState.Open;
            if (open)
            {
                await _service.Store.UpsertFindingAsync(new FindingRecord(0, finding.DeviceId, finding.Code, finding.Severity.ToString().ToLowerInvariant(), finding.TrustsDevice,
                    finding.Value, finding.Baseline, finding.Evidence, firstMs, lastMs, "open"), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _service.Store.ClearFindingAsync(finding.DeviceId, finding.Code, lastMs, cancellationToken).ConfigureAwait(false);
            }

            _log.LogInformation("finding {Finding}", finding.ToString());
            string? owner = _service.Registry.TryGet(finding.DeviceId, out DeviceRecord device) ? device.CustomerId : null;
            if (Alerts is AlertDispatcher dispatcher && owner != null)
            {
                dispatcher.OnFindingChanged(new FindingChange
                {
                    CustomerId = owner,
                    DeviceId = finding.DeviceId,
                    Rule = finding.Code,
                    Severity = (AlertSeverity)(int)finding.Severity,
                    TrustsDevice = finding.TrustsDevice,
                    Observed = finding.Value,
                    Expected = finding.Baseline,
                    Evidence = finding.Evidence,
                    FirstSeen = new DateTimeOffset(finding.FirstSeen, TimeSpan.Zero),
                    LastSeen = new DateTimeOffset(finding.LastSeen, TimeSpan.Zero),
                    Open = open,
                });
            }

            if (open && Array.IndexOf(_options.Ladder.LadderRules, finding.Code) >= 0)
            {
                _service.Dispatcher.Signal(new DeviceSignal(finding.DeviceId, owner, FindingSignalPrefix + finding.Code, 1, finding.ToString(), lastMs));
            }
        }
    }

    /// <summary>
    /// Detection fed from the database (docs/scale.md, "Past one machine", item 2). Every instance runs this loop; only
    /// the one holding the <c>detection</c> lease judges. On taking the lease: the in-memory state is dropped, the
    /// snapshots and the cursor saved with them are loaded, and the feed is replayed from the cursor, in seq (commit)
    /// order, through the same <see cref="OnBatchAsync"/> as in process. The state is saved only when a traffic window
    /// has just closed (its counts are then all in the engine), with the cursor, in one transaction fenced by the lease,
    /// so the saved state is exactly "every row up to the cursor judged, the next window starting at its start". Losing
    /// the lease (a renewal refused, a fenced save refused) drops the state; a clean stop gives the lease up without
    /// saving (the next holder replays from the last saved cursor). Any instance deletes feed rows past
    /// <see cref="IntegrationOptions.FeedMaxAge"/>; the holder deletes those at or below its saved cursor.
    /// </summary>
    private async Task RunFeedAsync(CancellationToken cancellationToken)
    {
        DetectionFeedStore feed = _feed!;
        DateTime nextRenew = DateTime.MinValue;
        DateTime nextTick = DateTime.MaxValue;
        DateTime nextAgePrune = DateTime.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (Paused)
            {
                await DelayAsync(_options.FeedPollInterval, cancellationToken).ConfigureAwait(false);
                continue;
            }

            DateTime now = _time.GetUtcNow().UtcDateTime;
            if (now >= nextAgePrune)
            {
                nextAgePrune = now + TimeSpan.FromMinutes(1);
                await Guarded(() => PruneExpiredAsync(feed, now, cancellationToken)).ConfigureAwait(false);
            }

            if (now >= nextRenew)
            {
                nextRenew = now + _options.FeedRenewInterval;
                bool held = false;
                await Guarded(async () => held = await feed.TryAcquireAsync(DetectionFeedStore.DetectionLease, _leaseOwner, Ms(now), (long)_options.FeedLeaseTtl.TotalMilliseconds, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                if (held && !HoldsLease)
                {
                    bool restored = false;
                    await Guarded(async () =>
                    {
                        await TakeOverAsync(feed, now, cancellationToken).ConfigureAwait(false);
                        restored = true;
                    }).ConfigureAwait(false);
                    if (!restored)
                    {
                        // Not judged from a state it could not load: give the lease back and try again later.
                        await Guarded(() => feed.ReleaseAsync(DetectionFeedStore.DetectionLease, _leaseOwner, cancellationToken)).ConfigureAwait(false);
                        continue;
                    }

                    nextTick = now + _options.TickInterval;
                }
                else if (!held && HoldsLease)
                {
                    LoseLease("its renewal was refused or failed");
                }
            }

            if (!HoldsLease)
            {
                await DelayAsync(nextRenew - _time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false);
                continue;
            }

            int read = -1;
            await Guarded(async () => read = await ReadFeedAsync(feed, now, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            if (!HoldsLease)
            {
                continue;
            }

            now = _time.GetUtcNow().UtcDateTime;
            bool caughtUp = read >= 0 && read < _options.FeedReadRows;
            if (caughtUp && now >= nextTick)
            {
                // Only once caught up: silence judged at the wall clock while rows are unread would be false.
                nextTick = now + _options.TickInterval;
                await Guarded(() => TickAsync(now, cancellationToken)).ConfigureAwait(false);
                await SaveIfDueAsync(feed, now, cancellationToken).ConfigureAwait(false);
            }

            if (caughtUp)
            {
                await DelayAsync(_options.FeedPollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        if (HoldsLease)
        {
            await Guarded(() => feed.ReleaseAsync(DetectionFeedStore.DetectionLease, _leaseOwner, CancellationToken.None)).ConfigureAwait(false);
            LoseLease(null);
        }
    }

    private long _lastSaveMs;

    /// <summary>While true the feed loop does nothing, renewals included (tests: a holder paused like a long GC pause).</summary>
    internal bool Paused { get; set; }

    /// <summary>This worker's lease owner name (tests).</summary>
    internal string LeaseOwner => _leaseOwner;

    private static long Ms(DateTime at) => new DateTimeOffset(at, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private async Task DelayAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task TakeOverAsync(DetectionFeedStore feed, DateTime now, CancellationToken cancellationToken)
    {
        ResetState(now);
        await RestoreAsync(cancellationToken).ConfigureAwait(false);
        FeedCursor? cursor = await feed.LoadCursorAsync(DetectionFeedStore.DetectionLease, cancellationToken).ConfigureAwait(false);
        Interlocked.Exchange(ref _cursor, cursor?.Seq ?? 0);
        // Without a saved cursor the first window starts at the first row judged (OnBatchAsync): windows follow commit times.
        _windowStart = cursor != null ? DateTimeOffset.FromUnixTimeMilliseconds(cursor.WindowStartMs).UtcDateTime : default;
        _lastSaveMs = Ms(now);
        HoldsLease = true;
        _service?.Metrics.DetectionLeader.Set(1);
        _log.LogInformation("detection: this instance holds the detection lease; {Restored} device states restored, judging the feed after row {Cursor}", Restored, _cursor);
    }

    /// <summary>Drops the in-memory state (the next holder, maybe this one again, reloads it from the database).</summary>
    private void LoseLease(string? why)
    {
        if (why != null)
        {
            _log.LogWarning("detection: this instance lost the detection lease ({Why}); its detection state is dropped", why);
        }

        HoldsLease = false;
        ResetState(_time.GetUtcNow().UtcDateTime);
        _service?.Metrics.DetectionLeader.Set(0);
        _service?.Metrics.FeedLagRows.Set(0);
        _service?.Metrics.FeedLagSeconds.Set(0);
    }

    private void ResetState(DateTime now)
    {
        _engine = new DetectionEngine(_options.Detection);
        _traffic.Clear();
        lock (_registered)
        {
            _registered.Clear();
        }

        _dirty.Clear();
        _registryVersion = -1;
        _nextSweep = default;
        _windowStart = now;
        _windowClosed = false;
        Restored = 0;
    }

    /// <summary>Judges up to <see cref="IntegrationOptions.FeedReadRows"/> rows after the cursor; the rows read.</summary>
    private async Task<int> ReadFeedAsync(DetectionFeedStore feed, DateTime now, CancellationToken cancellationToken)
    {
        long cursor = Interlocked.Read(ref _cursor);
        List<FeedRow> rows = await feed.ReadAsync(cursor, _options.FeedReadRows, cancellationToken).ConfigureAwait(false);
        if (rows.Count > 0 && rows[0].Seq != cursor + 1 && cursor > 0)
        {
            _log.LogWarning("detection: feed rows {From}..{To} are gone (deleted by the age cap before they were judged); detection resumes past the gap", cursor + 1, rows[0].Seq - 1);
        }

        foreach (FeedRow row in rows)
        {
            CommittedBatch? batch = null;
            try
            {
                batch = DetectionFeedCodec.Decode(row.Body);
            }
            catch (System.IO.InvalidDataException error)
            {
                // A row this build cannot read: counted, logged, skipped; the tail goes on.
                _service?.Metrics.FeedBadRows.Inc();
                _log.LogWarning("detection: feed row {Seq} skipped: {Error}", row.Seq, Printable.Escape(error.Message));
            }

            if (batch != null)
            {
                await Guarded(() => OnBatchAsync(batch, cancellationToken)).ConfigureAwait(false);
            }

            Interlocked.Exchange(ref _cursor, row.Seq);
            if (_windowClosed && !await SaveIfDueAsync(feed, _time.GetUtcNow().UtcDateTime, cancellationToken).ConfigureAwait(false))
            {
                return rows.Count;
            }
        }

        long head = await feed.HeadAsync(cancellationToken).ConfigureAwait(false);
        _service?.Metrics.FeedLagRows.Set(Math.Max(0, head - Interlocked.Read(ref _cursor)));
        _service?.Metrics.FeedLagSeconds.Set(rows.Count == _options.FeedReadRows ? Math.Max(0, Ms(now) - rows[^1].CommittedMs) / 1000.0 : 0);
        return rows.Count;
    }

    /// <summary>
    /// Saves the state with the cursor, fenced by the lease, when a window just closed and the snapshot interval passed
    /// since the last save; false when this instance lost the lease (its state is dropped then).
    /// </summary>
    private async Task<bool> SaveIfDueAsync(DetectionFeedStore feed, DateTime now, CancellationToken cancellationToken)
    {
        if (!_windowClosed)
        {
            return HoldsLease;
        }

        _windowClosed = false;
        if (Ms(now) < _lastSaveMs + (long)_options.SnapshotInterval.TotalMilliseconds)
        {
            return true;
        }

        var states = new List<KeyValuePair<string, byte[]>>(_dirty.Count);
        foreach (string deviceId in _dirty)
        {
            if (_engine.ExportState(deviceId) is byte[] state)
            {
                states.Add(new KeyValuePair<string, byte[]>(deviceId, state));
            }
        }

        long cursor = Interlocked.Read(ref _cursor);
        bool saved = false;
        bool failed = true;
        await Guarded(async () =>
        {
            saved = await feed.SaveAsync(DetectionFeedStore.DetectionLease, _leaseOwner, Ms(now), (long)_options.FeedLeaseTtl.TotalMilliseconds, states,
                new FeedCursor(cursor, Ms(_windowStart)), _service?.Instance ?? _leaseOwner, cancellationToken).ConfigureAwait(false);
            failed = false;
        }).ConfigureAwait(false);
        if (failed)
        {
            return true; // the database failed: saved at a later window (the dirty set is kept)
        }

        if (!saved)
        {
            LoseLease("a snapshot save found the lease held by another instance or expired");
            return false;
        }

        _dirty.Clear();
        _lastSaveMs = Ms(now);
        // Rows at or below the saved cursor are judged into the saved state: no holder needs them again.
        await Guarded(async () =>
        {
            while (await feed.PruneThroughAsync(cursor, 5000, cancellationToken).ConfigureAwait(false) == 5000)
            {
            }
        }).ConfigureAwait(false);
        return true;
    }

    private async Task PruneExpiredAsync(DetectionFeedStore feed, DateTime now, CancellationToken cancellationToken)
    {
        long deleted = 0;
        int chunk;
        do
        {
            chunk = await feed.PruneOlderAsync(Ms(now - _options.FeedMaxAge), 5000, cancellationToken).ConfigureAwait(false);
            deleted += chunk;
        }
        while (chunk == 5000);
        if (deleted > 0)
        {
            _service?.Metrics.FeedExpiredRows.Inc(deleted);
            if (!_expiredLogged)
            {
                _expiredLogged = true;
                _log.LogWarning("detection: {Rows} detection feed rows older than {Hours} h deleted (the age cap): no instance judged them in time (is one running with --detection-feed database and holding the lease?); detection resumes past the gap. Logged once; securedevice_detection_feed_expired_rows_total counts them",
                    deleted, _options.FeedMaxAge.TotalHours);
            }
        }
    }

    private sealed class Traffic
    {
        public long Messages { get; set; }

        public long Bytes { get; set; }

        public long Malformed { get; set; }

        public long Connects { get; set; }

        public long Refused { get; set; }
    }

    private sealed record Registered(string Product, long NotAfterMs);
}
