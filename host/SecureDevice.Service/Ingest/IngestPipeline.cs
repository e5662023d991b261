using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Registry;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// The ingest writer: takes what the broker delivered, in order, as batches (whatever arrived while the previous batch
/// committed, up to <see cref="IngestOptions.MaxBatch"/>); judges every message (topic, registry, fair limits, strict
/// decoders, staleness); commits the batch in one transaction, reports, events and counters together; only then sends
/// the acknowledgements, in delivery order; then tells the observers and the response policy. A database that fails
/// transiently is retried with backoff and nothing is acknowledged meanwhile; a batch the database refuses for its
/// values is split until the one message at fault is counted (store-failed) on its own.
/// </summary>
public sealed class IngestPipeline
{
    private readonly Channel<InboundMessage> _queue;
    private readonly IIngestStore _store;
    private readonly Func<Exception, bool> _isTransient;
    private readonly DeviceRegistry _registry;
    private readonly ServiceMetrics _metrics;
    private readonly IReadOnlyList<IIngestObserver> _observers;
    private readonly ResponseDispatcher? _response;
    private readonly Func<long> _currentGeneration;
    private readonly IngestOptions _options;
    private readonly FairLimiter _limiter;
    private int _sharedBy = 1;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Dictionary<long, (long Boot, long Seq)> _progress = new();
    private readonly ByteBudget _budget;
    private long _lastEvictMs;
    // The outage to credit, set by the broker session (any thread) and taken by the writer before its next batch.
    private long _pendingOutageMs;
    private BacklogCredit? _backlog;
    // When the database started failing (UTC ms; long.MinValue: it is not failing): ingest stopped consuming then.
    private long _failingSinceMs = long.MinValue;

    public IngestPipeline(IIngestStore store, Func<Exception, bool> isTransient, DeviceRegistry registry, ServiceMetrics metrics, IReadOnlyList<IIngestObserver> observers,
        ResponseDispatcher? response, Func<long> currentGeneration, IngestOptions options, ILogger log, TimeProvider time)
    {
        _store = store;
        _isTransient = isTransient;
        _registry = registry;
        _metrics = metrics;
        _observers = observers;
        _response = response;
        _currentGeneration = currentGeneration;
        _options = options;
        _limiter = new FairLimiter(options.Limits);
        _log = log;
        _time = time;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueBytes, 1L << 20);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.QueueBytes, 1L << 30);
        _queue = Channel.CreateBounded<InboundMessage>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _budget = new ByteBudget(options.QueueBytes);
    }

    /// <summary>The instance name written on this pipeline's detection feed rows (<see cref="DetectionFeedMode.Database"/>).</summary>
    public string FeedInstance { get; set; } = "service";

    /// <summary>Bytes of delivered messages held now, from delivery to PUBACK (<see cref="IngestOptions.QueueBytes"/>).</summary>
    public long HeldBytes => _budget.Held;

    /// <summary>Batches committed so far.</summary>
    public long Batches { get; private set; }

    /// <summary>True once the writer loop ended on an unexpected exception (a bug): /health/ready then answers 503.</summary>
    public bool Faulted { get; private set; }

    /// <summary>True while a database failure holds ingest (cleared by the next commit).</summary>
    public bool DatabaseFailing { get; private set; }

    /// <summary>The newest outage credit (null: none since the start).</summary>
    public BacklogCredit? Backlog => Volatile.Read(ref _backlog);

    /// <summary>
    /// When ingest last consumed, as of <paramref name="nowMs"/> (UTC ms): <paramref name="nowMs"/>, or when the database
    /// started failing while it fails (ingest holds then and the broker queues everything, though the session stays up).
    /// What <see cref="MqttIngestClient.LastUpMs"/> reports while connected, so the persisted last-up time is never
    /// advanced through a database outage and a restart after kill -9 credits from the failure's start.
    /// </summary>
    public long LastConsumingMs(long nowMs)
    {
        long since = Interlocked.Read(ref _failingSinceMs);
        return since == long.MinValue ? nowMs : Math.Min(since, nowMs);
    }

    /// <summary>
    /// Credits the fair limits with an outage of <paramref name="outageMs"/> (<see cref="FairLimiter.CreditOutage"/>;
    /// bounded there): the broker session calls it when it came back with the broker's queue, before any message of the
    /// new connection is queued here, and the writer when commits work again after failing (the broker queued meanwhile).
    /// Any thread; the writer applies it before judging its next batch. <paramref name="from"/> says, in the log line,
    /// where the outage's start came from (the saved last-up time, the database fallback, the connection's loss, the
    /// failing commits).
    /// </summary>
    public void CreditOutage(long outageMs, string from = "the failing commits")
    {
        long outage = FairLimiter.Bound(outageMs);
        if (outage == 0)
        {
            return;
        }

        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        Volatile.Write(ref _backlog, new BacklogCredit(nowMs, nowMs + FairLimiter.CreditWindow(outage), outage));
        Interlocked.Exchange(ref _pendingOutageMs, outage);
        _metrics.BacklogCredits.Inc();
        _metrics.BacklogCreditSeconds.Set(outage / 1000.0);
        _log.LogInformation("ingest resumes after an outage of {Seconds} s the broker queued for (measured from {From}): the fair limits take its backlog for up to {Window} s",
            outage / 1000, Printable.Escape(from), FairLimiter.CreditWindow(outage) / 1000);
    }

    /// <summary>
    /// Whether the backlog of an outage credit was draining at some time in [<paramref name="fromMs"/>, <paramref name="toMs"/>)
    /// (UTC ms): detection's backlog windows. The drain ends when the writer found its queue run dry after the credit
    /// (<see cref="BacklogCredit.DrainedMs"/>), at the latest when the credit ends; the limiter's credit itself lasts its window.
    /// </summary>
    public bool BacklogDuring(long fromMs, long toMs) => Volatile.Read(ref _backlog) is { } b && b.FromMs < toMs && fromMs < b.DrainEndMs;

    /// <summary>
    /// Queues a delivered message; waits while the byte budget (<see cref="IngestOptions.QueueBytes"/>) or the queue is
    /// full: back-pressure on the broker connection, never a loss. The bytes are given back once the message's batch
    /// committed and its PUBACKs were sent. One caller at a time, each awaited (MQTTnet's delivery loop), so messages
    /// stay in delivery order.
    /// </summary>
    public async ValueTask EnqueueAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        _metrics.Received.Inc();
        _metrics.ReceivedBytes.Inc(message.Topic.Length + message.Payload.Length);
        _metrics.QueueDepth.Inc();
        long bytes = message.RetainedBytes;
        await _budget.AcquireAsync(bytes, cancellationToken).ConfigureAwait(false);
        try
        {
            await _queue.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _budget.Release(bytes);
            throw;
        }

        _metrics.QueueBytes.Set(_budget.Held);
    }

    /// <summary>
    /// The writer loop, until cancelled. Two stages run side by side: the writer judges (topic, strict decode, registry,
    /// limits: <see cref="PreparedMessage"/> and <see cref="Judge"/>) and commits batch k+1, and the acknowledger sends
    /// batch k's PUBACKs and tells the observers (a batch reaches the acknowledger only once its transaction committed,
    /// and batches reach it in order, so acknowledgements stay after commit and in delivery order). Decoding in the writer
    /// measured cheaper than a preparer thread handing decoded messages over (docs/scale.md, "Third round"). Messages
    /// not committed when it stops are never acknowledged.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var committed = Channel.CreateBounded<List<Item>>(new BoundedChannelOptions(_options.AckQueueBatches)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        // Cancelled when the service stops or the acknowledger ends on a bug: the writer must not wait for messages
        // (committing more it can never acknowledge) once the acknowledger ended.
        using var stages = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task acknowledger = Task.Run(() => AcknowledgeLoopAsync(committed, stages, cancellationToken), CancellationToken.None);
        try
        {
            var messages = new List<InboundMessage>(_options.MaxBatch);
            while (await _queue.Reader.WaitToReadAsync(stages.Token).ConfigureAwait(false))
            {
                // The credit in force when this batch began to be taken: a drain it ends must be that credit's.
                BacklogCredit? draining = Volatile.Read(ref _backlog);
                messages.Clear();
                Take(messages);
                if (messages.Count < _options.MaxBatch && _options.BatchLinger > TimeSpan.Zero)
                {
                    // Group commit below saturation: a transaction (and its fsync) per handful of messages costs more
                    // CPU than the messages; waiting a little for more makes the batch worth its commit.
                    using var linger = CancellationTokenSource.CreateLinkedTokenSource(stages.Token);
                    linger.CancelAfter(_options.BatchLinger);
                    try
                    {
                        while (messages.Count < _options.MaxBatch && await _queue.Reader.WaitToReadAsync(linger.Token).ConfigureAwait(false))
                        {
                            Take(messages);
                        }
                    }
                    catch (OperationCanceledException) when (!stages.IsCancellationRequested)
                    {
                    }
                }

                ObserveDrain(draining, messages.Count);
                List<Item> items = await JudgeAndCommitAsync(messages, stages.Token).ConfigureAwait(false);
                await committed.Writer.WriteAsync(items, stages.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException) when (stages.IsCancellationRequested)
        {
            // The acknowledger ended on a bug (logged there): what this writer committed since is not acknowledged, and
            // the broker delivers it again after the restart (stored once).
            Faulted = true;
            throw new InvalidOperationException("the ingest acknowledger failed; ingest stopped until the service restarts");
        }
        catch (Exception error)
        {
            // A bug here or in another stage: ingest stops (what is not acknowledged stays queued at the broker) and says
            // so in /health/ready.
            Faulted = true;
            _log.LogCritical(error, "the ingest writer stopped on a failure; ingest stopped until the service restarts");
            throw;
        }
        finally
        {
            committed.Writer.TryComplete();
            await acknowledger.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Ends detection's backlog period of <paramref name="credit"/> (<see cref="BacklogCredit.DrainedMs"/>) the first time
    /// a batch taken after it was granted came out not full with the queue empty: the writer had lingered
    /// (<see cref="IngestOptions.BatchLinger"/>) and nothing more arrived. Why that signal: while a backlog remains the
    /// broker delivers it as fast as its flow-control window lets it (<c>ReceiveMaximum</c> 4,096, twice a full batch,
    /// refilled as each batch is acknowledged while the next one commits), faster than the writer commits (docs/scale.md),
    /// so the writer keeps finding full batches; a short batch after a whole linger with nothing arriving means the broker had nothing queued left, and from then on
    /// traffic is live again. A batch begun before the credit (the old connection's last messages, or the batch held
    /// through a database outage) does not count: the backlog had not begun to arrive. With no linger configured the
    /// queue found empty behind a short batch is the same signal without the wait. Wrong early at worst when the
    /// broker stalls mid-drain: the rest of the drain is then judged as live traffic, still held to the limiter's credit.
    /// </summary>
    private void ObserveDrain(BacklogCredit? credit, int taken)
    {
        if (credit == null || credit.DrainedMs != long.MaxValue || taken >= _options.MaxBatch || _queue.Reader.Count > 0)
        {
            return;
        }

        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (nowMs >= credit.UntilMs)
        {
            return;
        }

        // The drain period includes the instant the credit was granted, so the window holding the reconnect stays backlog.
        Interlocked.CompareExchange(ref _backlog, credit with { DrainedMs = Math.Max(nowMs, credit.FromMs + 1) }, credit);
    }

    private void Take(List<InboundMessage> messages)
    {
        while (messages.Count < _options.MaxBatch && _queue.Reader.TryRead(out InboundMessage? message))
        {
            messages.Add(message);
        }
    }

    /// <summary>Judges, commits, acknowledges and reports one batch, in turn (the tests' entry; <see cref="RunAsync"/> overlaps the stages).</summary>
    internal async Task ProcessAsync(IReadOnlyList<InboundMessage> messages, CancellationToken cancellationToken)
    {
        List<Item> items = await JudgeAndCommitAsync(messages, cancellationToken).ConfigureAwait(false);
        await AcknowledgeAndReportAsync(items, cancellationToken).ConfigureAwait(false);
    }

    private async Task AcknowledgeLoopAsync(Channel<List<Item>> committed, CancellationTokenSource stages, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (List<Item> items in committed.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await AcknowledgeAndReportAsync(items, cancellationToken).ConfigureAwait(false);
                long bytes = 0;
                foreach (Item item in items)
                {
                    bytes += item.Message.RetainedBytes;
                }

                _budget.Release(bytes);
                _metrics.QueueBytes.Set(_budget.Held);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            // A bug: the writer stops too (and says so), at once rather than at its next batch.
            Faulted = true;
            _log.LogCritical(error, "the ingest acknowledger failed; ingest stopped until the service restarts");
            committed.Writer.TryComplete(error);
            await stages.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The live instances the fair limits are shared by from the next batch on (<see cref="FairLimiter.Share"/>; set by the
    /// service's heartbeat loop when the dealing is round robin). Thread-safe: the writer adopts it between batches.
    /// </summary>
    public void ShareLimits(int instances) => Volatile.Write(ref _sharedBy, Math.Max(1, instances));

    /// <summary>The instances the limits are shared by (the last <see cref="ShareLimits"/>; the writer adopts it at its next batch).</summary>
    public int LimitsSharedBy => Volatile.Read(ref _sharedBy);

    /// <summary>Judges every message of the batch and commits the batch in one transaction (retried while the database fails).</summary>
    private async Task<List<Item>> JudgeAndCommitAsync(IReadOnlyList<InboundMessage> messages, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        // The limiter belongs to the writer: a new share is adopted here, between batches, never under a judgement.
        _limiter.Share(Volatile.Read(ref _sharedBy));
        long outage = Interlocked.Exchange(ref _pendingOutageMs, 0);
        if (outage > 0)
        {
            _limiter.CreditOutage(outage, Environment.TickCount64);
        }

        var items = new List<Item>(messages.Count);
        var keys = new HashSet<(long, long, long)>();
        foreach (InboundMessage message in messages)
        {
            items.Add(Judge(message, keys));
        }

        long judged = Stopwatch.GetTimestamp();
        _metrics.StageSeconds.WithLabels("judge").Inc(Stopwatch.GetElapsedTime(started, judged).TotalSeconds);
        await CommitAsync(items, cancellationToken).ConfigureAwait(false);
        TimeSpan commit = Stopwatch.GetElapsedTime(judged);
        _metrics.StageSeconds.WithLabels("commit").Inc(commit.TotalSeconds);
        _metrics.CommitSeconds.Observe(commit.TotalSeconds);
        _metrics.BatchSize.Observe(items.Count);
        Batches++;
        long nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (nowMs - _lastEvictMs > 60_000)
        {
            _limiter.Evict(Environment.TickCount64);
            _lastEvictMs = nowMs;
        }

        if (Volatile.Read(ref _backlog) is { } backlog && nowMs >= backlog.UntilMs)
        {
            _metrics.BacklogCreditSeconds.Set(0);
        }

        return items;
    }

    /// <summary>
    /// Sends the PUBACKs of a committed batch in delivery order, only for messages of the current connection (an
    /// earlier connection's messages are the broker's to redeliver), then tells the observers and the response policy.
    /// The PUBACKs are issued one after the other without waiting for each to be written, then awaited together: MQTTnet
    /// 5.2's <c>AcknowledgeAsync</c> goes to <c>MqttChannelAdapter.SendPacketAsync</c>, which enters the connection's send
    /// lock (<c>AsyncLock</c>, a FIFO queue of waiters) before its first await, so packets issued in order are written in
    /// that order; only a cancelled waiter is skipped, and cancellation is the service stopping.
    /// </summary>
    private async Task AcknowledgeAndReportAsync(List<Item> items, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        long generation = _currentGeneration();
        List<Task>? sending = null;
        foreach (Item item in items)
        {
            if (item.Message.Acknowledge != null && item.Message.Generation == generation)
            {
                Task sent;
                try
                {
                    sent = item.Message.Acknowledge(cancellationToken);
                }
                catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    continue; // the connection went away: the broker delivers the message again and deduplication stores it once
                }

                if (!sent.IsCompletedSuccessfully)
                {
                    (sending ??= new List<Task>(items.Count)).Add(sent);
                }
            }
        }

        foreach (Task sent in sending ?? (IEnumerable<Task>)Array.Empty<Task>())
        {
            try
            {
                await sent.ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // As above: not acknowledged, redelivered, stored once.
            }
        }

        long acknowledged = Stopwatch.GetTimestamp();
        _metrics.StageSeconds.WithLabels("ack").Inc(Stopwatch.GetElapsedTime(started, acknowledged).TotalSeconds);
        _metrics.QueueDepth.Dec(items.Count);
        Report(items);
        _metrics.StageSeconds.WithLabels("report").Inc(Stopwatch.GetElapsedTime(acknowledged).TotalSeconds);
    }

    private Item Judge(InboundMessage message, HashSet<(long, long, long)> keys)
    {
        var item = new Item(message);
        if (RefusalReport.IsRefusalTopic(message.Topic))
        {
            return JudgeRefusal(item, message);
        }

        PreparedMessage prepared = PreparedMessage.Of(message);
        string deviceId = prepared.DeviceId;
        if (!prepared.TopicValid)
        {
            return item.Reject(deviceId, IngestReason.BadTopic, "topic " + Clip(message.Topic));
        }

        item.DeviceId = deviceId;
        if (!_registry.TryGet(deviceId, out DeviceRecord device) || device.Status == "removed")
        {
            return item.Reject(deviceId, IngestReason.UnknownDevice, "not in the registry");
        }

        item.Device = device;
        if (device.Status == "revoked")
        {
            return item.Reject(deviceId, IngestReason.RevokedDevice, "certificate revoked");
        }

        int customerDevices = device.CustomerId == null ? 0 : _registry.DevicesOf(device.CustomerId);
        switch (_limiter.TryAdmit(deviceId, device.CustomerId, customerDevices, Environment.TickCount64))
        {
            case Admission.DeviceLimited:
                return item.Reject(deviceId, IngestReason.RateLimitedDevice, "over " + _limiter.Effective.DevicePerHour + " messages per hour"
                    + (_limiter.SharedBy > 1 ? " at this instance (" + _limiter.Limits.DevicePerHour + " shared by " + _limiter.SharedBy + " instances)" : string.Empty));
            case Admission.CustomerLimited:
                return item.Reject(deviceId, IngestReason.RateLimitedCustomer, "customer " + device.CustomerId + " over its share");
        }

        string duplicateReason = message.Redelivery ? IngestReason.Redelivered.Code() : IngestReason.Duplicate.Code();
        UpTopic leaf = prepared.Leaf;
        switch (leaf)
        {
            case UpTopic.Health:
                if (prepared.HealthStatus != HealthDecodeStatus.Decoded)
                {
                    IngestReason reason = prepared.HealthStatus switch
                    {
                        HealthDecodeStatus.TooLarge => IngestReason.TooLarge,
                        HealthDecodeStatus.MalformedCbor => IngestReason.MalformedCbor,
                        HealthDecodeStatus.UnsupportedSchema => IngestReason.UnsupportedSchema,
                        _ => IngestReason.WrongShape,
                    };
                    return item.Reject(deviceId, reason, prepared.Detail);
                }

                HealthRow row = prepared.Row!;
                long boot = row.Boot;
                long seq = row.Seq;
                if (!keys.Add((device.Ref, boot, seq)))
                {
                    return item.Reject(deviceId, message.Redelivery ? IngestReason.Redelivered : IngestReason.Duplicate, "boot " + boot + " seq " + seq + " twice in one batch");
                }

                if (IsStale(device, boot, seq, out string staleDetail))
                {
                    return item.Reject(deviceId, IngestReason.Stale, staleDetail);
                }

                item.Report = prepared.Report;
                row.DeviceRef = device.Ref; // the message's own row, judged once (a copy per report cost 200 bytes)
                row.DuplicateReason = duplicateReason;
                item.Health = row;
                return item;
            case UpTopic.Status:
                if (!Presence.TryParse(message.Payload, out PresenceStatus presence))
                {
                    return item.Reject(deviceId, IngestReason.BadPresence, "status must be online or offline (" + message.Payload.Length + " bytes)");
                }

                item.Presence = new PresenceRow(device.Ref, deviceId, presence == PresenceStatus.Online ? "online" : "offline", message.ReceivedMs);
                return item;
            default:
                bool parsed = leaf == UpTopic.Update
                    ? DeviceEventParser.TryParseUpdate(message.Payload, out DeviceEvent? evt, out IngestReason why, out string text)
                    : DeviceEventParser.TryParseEvent(message.Payload, out evt, out why, out text);
                if (!parsed)
                {
                    return item.Reject(deviceId, why, text);
                }

                item.Event = new EventRow(device.Ref, deviceId, message.ReceivedMs, evt!.Kind, evt.Key, evt.Boot, evt.Seq, evt.Json) { DuplicateReason = duplicateReason };
                return item;
        }
    }

    /// <summary>The id a malformed refusal report is counted against: the broker's reports are not a device's doing.</summary>
    public const string BrokerSourceId = "(broker)";

    /// <summary>The id the refusal counter's overflow report (clients past its limit, summed) is counted against.</summary>
    public const string OverflowSourceId = "(overflow)";

    /// <summary>
    /// A report of the broker's refusal counter: counted as <see cref="IngestReason.OutsideAcl"/> with its count and bytes
    /// against the client id it names (a device id; anything else against <see cref="TopicLayout.InvalidDeviceId"/>), once
    /// per (client, interval start): the commit stores that key and counts a report whose key is stored already as
    /// redelivered instead. A report that is not the documented one is counted as <see cref="IngestReason.BadRefusalReport"/>.
    /// </summary>
    private static Item JudgeRefusal(Item item, InboundMessage message)
    {
        RefusalParseStatus status = RefusalReport.TryParse(message.Topic, message.Payload, out RefusalReport? report, out string detail);
        if (status == RefusalParseStatus.Malformed)
        {
            return item.Reject(BrokerSourceId, IngestReason.BadRefusalReport, detail + " (topic " + message.Topic + ")");
        }

        string source = status == RefusalParseStatus.Overflow ? OverflowSourceId
            : report!.ClientId is string id && SecureDevice.Core.Text.SafeName.IsDeviceId(id) ? id : TopicLayout.InvalidDeviceId;
        string text = status == RefusalParseStatus.Overflow
            ? report!.Refused + " refused publishes of up to " + report.Clients + " clients past the counter's limit"
            : report!.Refused + " refused, last topic " + report.LastTopic + (report.LastTopicLength > Encoding.UTF8.GetByteCount(report.LastTopic) ? "..." : string.Empty);
        item.Reject(source, IngestReason.OutsideAcl, text);
        item.Count = report.Refused;
        item.CountedBytes = report.Bytes;
        item.RefusalKey = (report.TopicName, report.StartMs);
        return item;
    }

    private bool IsStale(DeviceRecord device, long boot, long seq, out string detail)
    {
        if (!_progress.TryGetValue(device.Ref, out var newest))
        {
            newest = device.LastBoot is long b && device.LastSeq is long s ? (b, s) : (-1, -1);
        }

        detail = string.Empty;
        if (boot < newest.Boot - 1 || (boot == newest.Boot && seq + _options.StaleSequenceWindow < newest.Seq))
        {
            detail = "boot " + boot + " seq " + seq + " while the newest is boot " + newest.Boot + " seq " + newest.Seq;
            return true;
        }

        if (boot > newest.Boot || (boot == newest.Boot && seq > newest.Seq))
        {
            _progress[device.Ref] = (boot, seq);
        }

        return false;
    }

    private async Task CommitAsync(List<Item> items, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            IngestBatch batch = Build(items);
            if (_options.DetectionFeed == DetectionFeedMode.Database)
            {
                // Described from what the transaction stored, without changing the items (Apply runs only once it
                // committed: a failed commit is retried from the same items).
                batch.FeedInstance = FeedInstance;
                batch.Feed = result =>
                {
                    long committedMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                    CommittedBatch described = Describe(items, result, committedMs, out _);
                    return described.Reports.Count + described.Events.Count + described.Rejections.Count + described.Statuses.Count == 0
                        ? null
                        : (Integration.DetectionFeedCodec.Encode(described), committedMs);
                };
            }

            try
            {
                BatchResult result = await _store.CommitAsync(batch, cancellationToken).ConfigureAwait(false);
                Apply(items, result);
                if (DatabaseFailing)
                {
                    _log.LogWarning("database writes work again after {Attempts} failed attempts", attempt);
                    // The broker queued everything meanwhile (the session stayed up, nothing was acknowledged), and it
                    // now comes at once: the same backlog as after a reconnect, credited the same way (same bounds).
                    long failedMs = _time.GetUtcNow().ToUnixTimeMilliseconds() - Interlocked.Read(ref _failingSinceMs);
                    Interlocked.Exchange(ref _failingSinceMs, long.MinValue);
                    DatabaseFailing = false;
                    CreditOutage(failedMs);
                }

                DatabaseFailing = false;
                _metrics.DatabaseUp.Set(1);
                return;
            }
            catch (Exception error) when (error is DbException && !_isTransient(error) && IsValueError(error))
            {
                _metrics.CommitFailures.WithLabels("data").Inc();
                if (items.Count == 1)
                {
                    _log.LogWarning("the database refused a message from {Device} on {Topic}: {Error}", Printable.Escape(items[0].DeviceId), Printable.Escape(items[0].Message.Topic), Printable.Escape(error.Message));
                    items[0].Reject(items[0].DeviceId, IngestReason.StoreFailed, Clip(error.Message));
                    continue;
                }

                int half = items.Count / 2;
                await CommitAsync(items.GetRange(0, half), cancellationToken).ConfigureAwait(false);
                await CommitAsync(items.GetRange(half, items.Count - half), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Transient, or not understood: never acknowledge what is not stored; wait and try again (fail closed).
                _metrics.CommitFailures.WithLabels("transient").Inc();
                _metrics.DatabaseUp.Set(0);
                if (!DatabaseFailing || attempt % 20 == 0)
                {
                    _log.LogError("database write failed (attempt {Attempt}), holding {Count} messages unacknowledged: {Error}", attempt + 1, items.Count, Printable.Escape(error.GetType().Name + ": " + error.Message));
                }

                if (!DatabaseFailing)
                {
                    Interlocked.Exchange(ref _failingSinceMs, _time.GetUtcNow().ToUnixTimeMilliseconds());
                }

                DatabaseFailing = true;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 << Math.Min(attempt, 6))), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsValueError(Exception error) =>
        error is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 18 or 19 or 20 }
        || (error is Npgsql.PostgresException p && (p.SqlState.StartsWith("22", StringComparison.Ordinal) || p.SqlState.StartsWith("23", StringComparison.Ordinal)));

    private static IngestBatch Build(List<Item> items)
    {
        var batch = new IngestBatch();
        var seen = new Dictionary<long, DeviceSeen>();
        foreach (Item item in items)
        {
            item.HealthIndex = item.EventIndex = item.PresenceIndex = item.RefusalIndex = -1;
            InboundMessage m = item.Message;
            if (item.Reason is IngestReason reason && item.RefusalKey is var (name, startMs) && reason == IngestReason.OutsideAcl)
            {
                item.RefusalIndex = batch.Refusals.Count;
                batch.Refusals.Add(new RefusalRow(name, startMs, m.ReceivedMs,
                    new CounterDelta(item.DeviceId, reason.Code(), FleetStore.Hour(m.ReceivedMs), item.Count, item.CountedBytes, m.ReceivedMs, item.Detail),
                    // Stored already: redelivered by the broker (DUP), counted as such; without DUP it is another
                    // instance's copy (each instance subscribes on its own) and counts nothing.
                    m.Redelivery ? new CounterDelta(item.DeviceId, IngestReason.Redelivered.Code(), FleetStore.Hour(m.ReceivedMs), 1, m.Payload.Length, m.ReceivedMs, "refusal report of " + startMs + " stored already") : null));
            }
            else if (item.Reason is IngestReason other)
            {
                batch.Counters.Add(new CounterDelta(item.DeviceId, other.Code(), FleetStore.Hour(m.ReceivedMs), 1, m.Payload.Length, m.ReceivedMs, item.Detail));
            }
            else if (item.Health != null)
            {
                item.HealthIndex = batch.Health.Count;
                batch.Health.Add(item.Health);
            }
            else if (item.Event != null)
            {
                item.EventIndex = batch.Events.Count;
                batch.Events.Add(item.Event);
            }
            else if (item.Presence != null)
            {
                item.PresenceIndex = batch.Presence.Count;
                batch.Presence.Add(item.Presence);
            }

            if (item.Device != null)
            {
                seen.TryGetValue(item.Device.Ref, out DeviceSeen? before);
                HealthRow? h = item.Reason == null ? item.Health : null;
                bool newer = h != null && (before?.Boot == null || h.Boot > before.Boot || (h.Boot == before.Boot && h.Seq > before.Seq));
                seen[item.Device.Ref] = new DeviceSeen(item.Device.Ref, Math.Max(before?.SeenMs ?? 0, m.ReceivedMs),
                    newer ? h!.Boot : before?.Boot, newer ? h!.Seq : before?.Seq, newer ? h!.VersionCode : before?.VersionCode);
            }
        }

        batch.Seen.AddRange(seen.Values);
        return batch;
    }

    private static void Apply(List<Item> items, BatchResult result)
    {
        foreach (Item item in items)
        {
            if (item.HealthIndex >= 0 && !result.HealthInserted[item.HealthIndex])
            {
                item.Stored(false, item.Health!.DuplicateReason);
            }
            else if (item.EventIndex >= 0 && !result.EventsInserted[item.EventIndex])
            {
                item.Stored(false, item.Event!.DuplicateReason);
            }
            else if (item.PresenceIndex >= 0)
            {
                item.PresenceChanged = result.PresenceChanged[item.PresenceIndex];
            }
            else if (item.RefusalIndex >= 0 && !result.RefusalsInserted[item.RefusalIndex])
            {
                item.Redelivered("refusal report stored already", item.Message.Redelivery);
            }
        }
    }

    private void Report(List<Item> items)
    {
        foreach (Item item in items)
        {
            _metrics.ReceiveToCommitSeconds.Observe(Stopwatch.GetElapsedTime(item.Message.ReceivedTimestamp).TotalSeconds);
            if ((item.RefusalKey != null || item.DeviceId == BrokerSourceId) && item.RecordedReason is string refusalReason)
            {
                // The broker's refusal counter: counted by its count; a device's first-stored report feeds detection's
                // outside-acl rule (Describe), not the ladder (the broker dropped those publishes already: docs/service.md,
                // "Publishes refused by the broker").
                _metrics.Rejected.WithLabels(refusalReason).Inc(refusalReason == IngestReason.OutsideAcl.Code() ? item.Count : 1);
            }
            else if (item.RecordedReason is string reason)
            {
                _metrics.Rejected.WithLabels(reason).Inc();
            }
        }

        var batch = Describe(items, null, _time.GetUtcNow().ToUnixTimeMilliseconds(), out int presenceChanges);
        IReadOnlyList<StoredReport> reports = batch.Reports;
        IReadOnlyList<StoredEvent> events = batch.Events;
        IReadOnlyList<IngestRejection> rejections = batch.Rejections;
        // Once per batch and kind: a labelled child is a lookup with an array per call.
        _metrics.Stored.WithLabels("health").Inc(reports.Count);
        _metrics.Stored.WithLabels("event").Inc(events.Count - presenceChanges);
        _metrics.Stored.WithLabels("presence").Inc(presenceChanges);
        foreach (IIngestObserver observer in _observers)
        {
            try
            {
                observer.OnCommitted(batch);
            }
            catch (Exception error)
            {
                _metrics.ObserverFailures.Inc();
                _log.LogWarning("ingest observer {Observer} failed: {Error}", observer.GetType().Name, Printable.Escape(error.Message));
            }
        }

        if (_response != null)
        {
            foreach (var group in rejections.Where(r => r.Reason != IngestReason.Redelivered.Code()).GroupBy(r => (r.DeviceId, r.Reason)))
            {
                IngestRejection last = group.Last();
                _response.Signal(new DeviceSignal(last.DeviceId, last.CustomerId, last.Reason, group.Count(), last.Detail, last.ReceivedMs));
            }
        }
    }

    /// <summary>
    /// What the batch committed, as observers and the detection feed see it: with <paramref name="result"/> null, the
    /// items as <see cref="Apply"/> left them after the commit; with a result, the items as Apply will leave them, without
    /// changing them (the feed's row is written inside the transaction, before Apply). One description for both, so the
    /// feed carries exactly what an in-process observer is told.
    /// </summary>
    private static CommittedBatch Describe(List<Item> items, BatchResult? result, long committedMs, out int presenceChanges)
    {
        var reports = new List<StoredReport>();
        var events = new List<StoredEvent>();
        var rejections = new List<IngestRejection>();
        List<StoredStatus>? statuses = null; // rare (one per device connection): no list for a batch without one
        List<BrokerRefusal>? refusals = null; // rare too (a report per refused client per counter interval)
        presenceChanges = 0;
        foreach (Item item in items)
        {
            string? customer = item.Device?.CustomerId;
            string? recorded = item.RecordedReason;
            string? detail = item.Detail;
            HealthRow? health = item.Health;
            EventRow? stored = item.Event;
            bool changed = item.PresenceChanged;
            if (result != null)
            {
                // Apply's outcome, mirrored (Apply and Item.Stored/Redelivered).
                if (item.HealthIndex >= 0 && !result.HealthInserted[item.HealthIndex])
                {
                    recorded = health!.DuplicateReason;
                    detail = "boot " + health.Boot + " seq " + health.Seq + " stored already";
                    health = null;
                    stored = null;
                }
                else if (item.EventIndex >= 0 && !result.EventsInserted[item.EventIndex])
                {
                    recorded = stored!.DuplicateReason;
                    detail = "event " + stored.EventKey + " stored already";
                    health = null;
                    stored = null;
                }
                else if (item.PresenceIndex >= 0)
                {
                    changed = result.PresenceChanged[item.PresenceIndex];
                }
                else if (item.RefusalIndex >= 0 && !result.RefusalsInserted[item.RefusalIndex])
                {
                    recorded = item.Message.Redelivery ? IngestReason.Redelivered.Code() : null;
                    detail = "refusal report stored already";
                }
            }

            if ((item.RefusalKey != null || item.DeviceId == BrokerSourceId) && recorded != null)
            {
                // The broker's refusal counter: a report stored for the first time (a redelivered one is recorded as such, a
                // copy not at all) of a device, never of the overflow bucket or a client id that is no device id, feeds
                // detection's outside-acl rule; not the ladder (Report).
                if (recorded == IngestReason.OutsideAcl.Code() && item.DeviceId != OverflowSourceId && item.DeviceId != TopicLayout.InvalidDeviceId)
                {
                    (refusals ??= new List<BrokerRefusal>()).Add(new BrokerRefusal(item.DeviceId, item.Count, item.CountedBytes, item.Message.ReceivedMs));
                }
            }
            else if (recorded is string reason)
            {
                rejections.Add(new IngestRejection(item.DeviceId, customer, reason, detail ?? string.Empty, item.Message.Payload.Length, item.Message.ReceivedMs));
            }
            else if (health != null)
            {
                reports.Add(new StoredReport(item.DeviceId, customer, item.Message.ReceivedMs, health.Boot, health.Seq, item.Message.Payload.Length, item.Report!) { Payload = item.Message.Payload });
            }
            else if (stored != null)
            {
                events.Add(new StoredEvent(item.DeviceId, customer, item.Message.ReceivedMs, stored.Kind, stored.EventKey, stored.Payload));
            }
            else if (item.Presence != null)
            {
                (statuses ??= new List<StoredStatus>()).Add(new StoredStatus(item.DeviceId, item.Message.ReceivedMs, item.Presence.Presence == "online", item.Message.Payload.Length, item.Message.Redelivery, changed));
                if (changed)
                {
                    presenceChanges++;
                    events.Add(new StoredEvent(item.DeviceId, customer, item.Message.ReceivedMs, "presence", null, item.Presence.Presence));
                }
            }
        }

        return new CommittedBatch(reports, events, rejections, committedMs)
        {
            Statuses = (IReadOnlyList<StoredStatus>?)statuses ?? [],
            Refusals = (IReadOnlyList<BrokerRefusal>?)refusals ?? [],
        };
    }

    private static string Clip(string text) => Printable.Escape(text.Length > 160 ? text[..160] + "..." : text);

    /// <summary>One message through the batch: what it was judged, where it went, what the commit did with it.</summary>
    private sealed class Item
    {
        public Item(InboundMessage message) => Message = message;

        public InboundMessage Message { get; }

        public string DeviceId { get; set; } = TopicLayout.InvalidDeviceId;

        public DeviceRecord? Device { get; set; }

        /// <summary>Refused before the commit (counted in the same transaction).</summary>
        public IngestReason? Reason { get; private set; }

        /// <summary>The counter reason it ended under (refused, or found stored already by the commit), or null when stored.</summary>
        public string? RecordedReason { get; private set; }

        public string? Detail { get; private set; }

        public HealthRow? Health { get; set; }

        public DecodedHealthReport? Report { get; set; }

        public EventRow? Event { get; set; }

        public PresenceRow? Presence { get; set; }

        public bool PresenceChanged { get; set; }

        public int HealthIndex { get; set; } = -1;

        public int EventIndex { get; set; } = -1;

        public int PresenceIndex { get; set; } = -1;

        public int RefusalIndex { get; set; } = -1;

        /// <summary>For a refusal report: how many refusals it counts (else 1), their bytes, and its dedupe key.</summary>
        public long Count { get; set; } = 1;

        public long CountedBytes { get; set; }

        public (string Name, long StartMs)? RefusalKey { get; set; }

        public void Redelivered(string detail, bool counted)
        {
            RecordedReason = counted ? IngestReason.Redelivered.Code() : null;
            Detail = detail;
        }

        public Item Reject(string deviceId, IngestReason reason, string detail)
        {
            DeviceId = deviceId;
            Reason = reason;
            RecordedReason = reason.Code();
            Detail = Clip(detail);
            Health = null;
            Event = null;
            Presence = null;
            return this;
        }

        public void Stored(bool inserted, string reason)
        {
            if (!inserted)
            {
                RecordedReason = reason;
                Detail = Health != null ? "boot " + Health.Boot + " seq " + Health.Seq + " stored already" : "event " + Event?.EventKey + " stored already";
                Health = null;
                Event = null;
            }
        }
    }
}

/// <summary>
/// An outage credit of the fair limits: in force from <paramref name="FromMs"/> to <paramref name="UntilMs"/> (UTC ms),
/// for an outage of <paramref name="OutageMs"/>; its backlog drained by <see cref="DrainedMs"/> (long.MaxValue: not seen yet).
/// </summary>
public sealed record BacklogCredit(long FromMs, long UntilMs, long OutageMs)
{
    /// <summary>When the writer first found its queue run dry after the credit (UTC ms; long.MaxValue: not yet).</summary>
    public long DrainedMs { get; init; } = long.MaxValue;

    /// <summary>The end of detection's backlog period: the drain's end, at the latest the credit's.</summary>
    public long DrainEndMs => Math.Min(UntilMs, DrainedMs);
}
