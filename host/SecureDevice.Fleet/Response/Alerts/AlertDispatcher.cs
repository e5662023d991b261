using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>Limits of the <see cref="AlertDispatcher"/> (docs/response.md).</summary>
public sealed record AlertDispatcherOptions
{
    /// <summary>Deliveries waiting (queued or retrying) at most: 1,000. Past it, <see cref="NotifyStatus.QueueFull"/>.</summary>
    public int Capacity { get; init; } = 1000;

    public RetryPolicy Retry { get; init; } = new();

    /// <summary>Alerts per customer sent one by one per window (the rest become a summary).</summary>
    public int PerWindow { get; init; } = 3;

    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts made per pass of the delivery loop: 50.</summary>
    public int AttemptsPerPass { get; init; } = 50;

    /// <summary>How often the delivery loop looks for due work: 1 s.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a claim on a shared store's delivery lasts (<see cref="IAlertStore.TryClaim"/>): 2 min, longer than an
    /// attempt may take (webhook and SMTP time-outs), so a live dispatcher never loses its claim mid-attempt and a
    /// crashed one's claim passes to another after at most this.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>Counts since start (the service exports them as metrics).</summary>
public sealed class AlertCounters
{
    internal long QueuedCount;
    internal long DuplicateCount;
    internal long SummarizedCount;
    internal long QueueFullCount;
    internal long SentCount;
    internal long RetriedCount;
    internal long DeadCount;

    public long Queued => Interlocked.Read(ref QueuedCount);

    public long Duplicates => Interlocked.Read(ref DuplicateCount);

    public long Summarized => Interlocked.Read(ref SummarizedCount);

    public long QueueFull => Interlocked.Read(ref QueueFullCount);

    public long Sent => Interlocked.Read(ref SentCount);

    public long Retried => Interlocked.Read(ref RetriedCount);

    public long Dead => Interlocked.Read(ref DeadCount);
}

/// <summary>
/// Alerts to device owners. <see cref="Notify"/> (called by the response layer and, through the service's dispatcher,
/// by detection) takes a state change, drops it when it is no change (<see cref="NotifyStatus.Duplicate"/>), holds it for
/// the customer's summary when over the rate, and otherwise queues one delivery per channel (webhook, e-mail) in a
/// bounded queue and in the store; it never waits for a network. <see cref="RunAsync"/> (or <see cref="DeliverDueAsync"/>)
/// sends what is due, retries failures under exponential backoff with jitter and dead-letters what keeps failing.
/// Time and randomness are injected.
/// </summary>
public sealed class AlertDispatcher : IAlertSink
{
    private readonly ICustomerContacts _contacts;
    private readonly IAlertStore _store;
    private readonly WebhookSender? _webhook;
    private readonly SmtpSender? _smtp;
    private readonly TimeProvider _time;
    private readonly Func<double> _random;
    private readonly AlertDispatcherOptions _options;
    private readonly CustomerRateLimiter _limiter;
    private readonly object _gate = new();
    private readonly List<AlertDelivery> _pending = new();

    // Deliveries being attempted: a second pass running at the same time (the loop and a caller) must not send them again.
    private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);

    public AlertDispatcher(ICustomerContacts contacts, IAlertStore store, WebhookSender? webhook, SmtpSender? smtp, TimeProvider? time = null, Func<double>? random = null, AlertDispatcherOptions? options = null)
    {
        _contacts = contacts;
        _store = store;
        _webhook = webhook;
        _smtp = smtp;
        _time = time ?? TimeProvider.System;
        _random = random ?? Random.Shared.NextDouble;
        _options = options ?? new AlertDispatcherOptions();
        _limiter = new CustomerRateLimiter { PerWindow = _options.PerWindow, Window = _options.Window };

        // Survive restarts: whatever was waiting is waiting again.
        _pending.AddRange(store.PendingDeliveries());
    }

    public AlertCounters Counters { get; } = new();

    /// <summary>Deliveries waiting (queued or retrying).</summary>
    public int QueueDepth
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>The dead letters: deliveries given up, with their attempts and last error.</summary>
    public IReadOnlyList<AlertDelivery> DeadLetters() => _store.Deliveries().Where(d => d.State == DeliveryState.Dead).ToArray();

    /// <summary>
    /// The fleet service's entry point for detection: a finding opened or cleared. Same rules as <see cref="Notify"/>
    /// (state changes only, de-duplicated per device and rule, rate-limited per customer); never waits for a network.
    /// </summary>
    public NotifyStatus OnFindingChanged(FindingChange finding) => Notify(finding.ToAlert());

    public NotifyStatus Notify(AlertEvent alert)
    {
        NotifyStatus? refused = Address(alert, out List<AlertChannel> channels);
        if (refused != null)
        {
            return refused.Value;
        }

        string key = Key(alert);
        lock (_gate)
        {
            if (_store.LastState(key) == alert.State)
            {
                Interlocked.Increment(ref Counters.DuplicateCount);
                return NotifyStatus.Duplicate;
            }

            if (_pending.Count + channels.Count > _options.Capacity)
            {
                Interlocked.Increment(ref Counters.QueueFullCount);
                return NotifyStatus.QueueFull;
            }

            DateTimeOffset now = _time.GetUtcNow();
            if (!_limiter.TryPass(alert.CustomerId, alert.DeviceId, alert.Kind, now))
            {
                _store.SetLastState(key, alert.State);
                Interlocked.Increment(ref Counters.SummarizedCount);
                return NotifyStatus.Summarized;
            }

            string id = NewId();
            try
            {
                Enqueue(channels, id, alert.CustomerId, alert.DeviceId, alert.Kind, AlertDocuments.Alert(id, alert), AlertDocuments.AlertSubject(alert), now);
                _store.SetLastState(key, alert.State);
            }
            catch (FleetException)
            {
                // Not durable: take it back, so that nothing is half-queued and a later notify tries again.
                _pending.RemoveAll(d => d.AlertId == id);
                return NotifyStatus.StoreUnavailable;
            }

            Interlocked.Increment(ref Counters.QueuedCount);
            return NotifyStatus.Queued;
        }
    }

    /// <summary>
    /// Decides what <see cref="Notify"/> would do with <paramref name="alert"/> without writing anything: for a caller
    /// that writes the alert in its own transaction, with the change it reports (the fleet service's action: the owner's
    /// alert and the action's "done" row commit together, or neither does). The caller writes
    /// <see cref="AlertPlan.Deliveries"/> and the de-duplication state (<see cref="AlertPlan.Key"/>,
    /// <see cref="AlertPlan.State"/>) to this dispatcher's store, in its transaction, and calls
    /// <see cref="AlertPlan.Committed"/> once it committed; a plan never committed leaves nothing behind but, when it was
    /// <see cref="NotifyStatus.Queued"/>, the rate window's slot it took (the window is this process's memory: the
    /// decision is taken before the transaction; an alert over the rate is counted into the summary only once committed).
    /// Only for a store the caller's transaction writes (the service's <c>DatabaseAlertStore</c>, which every
    /// dispatcher re-reads). The de-duplication state is read here, before the transaction (unreadable: taken as a
    /// change); nothing here waits for a network.
    /// </summary>
    public AlertPlan Plan(AlertEvent alert)
    {
        NotifyStatus? refused = Address(alert, out List<AlertChannel> channels);
        if (refused != null)
        {
            return new AlertPlan(this, alert, refused.Value, null, null, Array.Empty<AlertDelivery>());
        }

        string key = Key(alert);
        lock (_gate)
        {
            string? last;
            try
            {
                last = _store.LastState(key);
            }
            catch (FleetException)
            {
                last = null;
            }

            if (last == alert.State)
            {
                Interlocked.Increment(ref Counters.DuplicateCount);
                return new AlertPlan(this, alert, NotifyStatus.Duplicate, null, null, Array.Empty<AlertDelivery>());
            }

            if (_pending.Count + channels.Count > _options.Capacity)
            {
                Interlocked.Increment(ref Counters.QueueFullCount);
                return new AlertPlan(this, alert, NotifyStatus.QueueFull, null, null, Array.Empty<AlertDelivery>());
            }

            DateTimeOffset now = _time.GetUtcNow();
            if (!_limiter.TryReserve(alert.CustomerId, now))
            {
                return new AlertPlan(this, alert, NotifyStatus.Summarized, key, alert.State, Array.Empty<AlertDelivery>());
            }

            string id = NewId();
            return new AlertPlan(this, alert, NotifyStatus.Queued, key, alert.State,
                Build(channels, id, alert.CustomerId, alert.DeviceId, alert.Kind, AlertDocuments.Alert(id, alert), AlertDocuments.AlertSubject(alert), now));
        }
    }

    /// <summary>A plan's rows are committed: its deliveries wait for the delivery loop, it is counted, a summarized one joins the summary.</summary>
    internal void Accept(AlertPlan plan)
    {
        lock (_gate)
        {
            if (plan.Status == NotifyStatus.Summarized)
            {
                _limiter.Hold(plan.Alert.CustomerId, plan.Alert.DeviceId, plan.Alert.Kind, _time.GetUtcNow());
                Interlocked.Increment(ref Counters.SummarizedCount);
                return;
            }

            if (plan.Status == NotifyStatus.Queued)
            {
                // A shared store's pass may have read them already: never twice in the queue (one already sent by such a
                // pass is refused at its claim, the outbox row having moved on).
                var known = new HashSet<string>(_pending.Select(d => d.Id), StringComparer.Ordinal);
                _pending.AddRange(plan.Deliveries.Where(d => !known.Contains(d.Id)));
                Interlocked.Increment(ref Counters.QueuedCount);
            }
        }
    }

    /// <summary>Queues the summaries whose window ended and makes the attempts that are due; returns the number of attempts.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellation = default)
    {
        DateTimeOffset now = _time.GetUtcNow();
        AlertDelivery[] due;
        IReadOnlyList<AlertDelivery>? shared = null;
        if (_store.Shared)
        {
            try
            {
                shared = _store.PendingDeliveries();
            }
            catch (FleetException)
            {
                // The store is unreachable: nothing can be claimed either; the next pass tries again.
                return 0;
            }
        }

        lock (_gate)
        {
            if (shared != null)
            {
                // Deliveries queued (or given back by a crashed claim) by another instance.
                var known = new HashSet<string>(_pending.Select(d => d.Id), StringComparer.Ordinal);
                _pending.AddRange(shared.Where(d => !known.Contains(d.Id)));
            }

            QueueSummaries(now);
            due = _pending.Where(d => d.NextAttemptAt <= now && !_inFlight.Contains(d.Id)).OrderBy(d => d.NextAttemptAt).Take(_options.AttemptsPerPass).ToArray();
            foreach (AlertDelivery delivery in due)
            {
                _inFlight.Add(delivery.Id);
            }
        }

        foreach (AlertDelivery delivery in due)
        {
            try
            {
                if (!Claim(delivery, now))
                {
                    continue;
                }

                DeliveryResult result = await AttemptAsync(delivery, cancellation).ConfigureAwait(false);
                Record(delivery, result);
            }
            finally
            {
                lock (_gate)
                {
                    _inFlight.Remove(delivery.Id);
                }
            }
        }

        return due.Length;
    }

    /// <summary>The delivery loop: until <paramref name="cancellation"/>, every <see cref="AlertDispatcherOptions.PollInterval"/>.</summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        while (!cancellation.IsCancellationRequested)
        {
            await DeliverDueAsync(cancellation).ConfigureAwait(false);
            try
            {
                await Task.Delay(_options.PollInterval, _time, cancellation).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Claims a delivery of a shared store before its attempt. Refused: another instance holds it or has moved it on, so
    /// this copy is dropped (the next pass reloads it from the store if it is still pending). Store unreachable: kept,
    /// not attempted now.
    /// </summary>
    private bool Claim(AlertDelivery delivery, DateTimeOffset now)
    {
        if (!_store.Shared)
        {
            return true;
        }

        bool claimed;
        try
        {
            claimed = _store.TryClaim(delivery, now, _options.Lease);
        }
        catch (FleetException)
        {
            return false;
        }

        if (!claimed)
        {
            lock (_gate)
            {
                _pending.RemoveAll(d => d.Id == delivery.Id && d.Attempts == delivery.Attempts);
            }
        }

        return claimed;
    }

    private static string NewId() => "alt_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    /// <summary>The de-duplication key: customer, device, subject.</summary>
    private static string Key(AlertEvent alert) => alert.CustomerId + "|" + alert.DeviceId + "|" + alert.Subject;

    /// <summary>Why the alert cannot go anywhere (invalid, unknown customer, no channel), or null with the customer's channels.</summary>
    private NotifyStatus? Address(AlertEvent alert, out List<AlertChannel> channels)
    {
        channels = new List<AlertChannel>();
        if (!Valid(alert))
        {
            return NotifyStatus.Invalid;
        }

        CustomerContacts? contacts;
        try
        {
            contacts = _contacts.Find(alert.CustomerId);
        }
        catch (FleetException)
        {
            contacts = null;
        }

        if (contacts == null)
        {
            return NotifyStatus.UnknownCustomer;
        }

        channels = Channels(contacts);
        return channels.Count == 0 ? NotifyStatus.NoChannel : null;
    }

    private static bool Token(string? text, int max, bool digitsAndDashes)
    {
        if (string.IsNullOrEmpty(text) || text.Length > max)
        {
            return false;
        }

        foreach (char c in text)
        {
            bool ok = digitsAndDashes ? char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' : char.IsAsciiLetterLower(c);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Valid(AlertEvent alert)
    {
        bool device = alert.DeviceId == null || (alert.DeviceId.Length > 0 && alert.DeviceId.Length <= 64 && alert.DeviceId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
        return Inventory.IsOwner(alert.CustomerId) && device && Token(alert.Kind, 48, true) && Token(alert.Subject, 48, true) && Token(alert.State, 24, false)
            && !string.IsNullOrEmpty(alert.Summary) && alert.Summary.Length <= 1000 && (alert.Evidence == null || alert.Evidence.Length <= 1000);
    }

    private List<AlertChannel> Channels(CustomerContacts contacts)
    {
        var channels = new List<AlertChannel>();
        if (contacts.WebhookUrl != null && _webhook != null)
        {
            channels.Add(AlertChannel.Webhook);
        }

        if (contacts.Emails.Count > 0 && _smtp != null)
        {
            channels.Add(AlertChannel.Email);
        }

        return channels;
    }

    private void Enqueue(List<AlertChannel> channels, string id, string customer, string? device, string kind, string body, string subject, DateTimeOffset now)
    {
        foreach (AlertDelivery delivery in Build(channels, id, customer, device, kind, body, subject, now))
        {
            _store.Save(delivery);
            _pending.Add(delivery);
        }
    }

    /// <summary>One new delivery per channel, the same alert id and body.</summary>
    private static AlertDelivery[] Build(List<AlertChannel> channels, string id, string customer, string? device, string kind, string body, string subject, DateTimeOffset now) =>
        channels.Select(channel => new AlertDelivery
        {
            AlertId = id, CustomerId = customer, DeviceId = device, Kind = kind, Channel = channel, State = DeliveryState.Queued,
            CreatedAt = now, NextAttemptAt = now, Body = body, Subject = channel == AlertChannel.Email ? subject : null,
        }).ToArray();

    private void QueueSummaries(DateTimeOffset now)
    {
        foreach (AlertSummary summary in _limiter.TakeDue(now))
        {
            CustomerContacts? contacts = _contacts.Find(summary.CustomerId);
            List<AlertChannel> channels = contacts == null ? new List<AlertChannel>() : Channels(contacts);
            if (channels.Count == 0)
            {
                continue;
            }

            if (_pending.Count + channels.Count > _options.Capacity)
            {
                _limiter.Return(summary);
                Interlocked.Increment(ref Counters.QueueFullCount);
                continue;
            }

            string id = NewId();
            Enqueue(channels, id, summary.CustomerId, null, "summary", AlertDocuments.Summary(id, summary), AlertDocuments.SummarySubject(summary), now);
            Interlocked.Increment(ref Counters.QueuedCount);
        }
    }

    private async Task<DeliveryResult> AttemptAsync(AlertDelivery delivery, CancellationToken cancellation)
    {
        // Contacts are read at send time: a changed URL, secret or address applies to what is still waiting.
        CustomerContacts? contacts;
        try
        {
            contacts = _contacts.Find(delivery.CustomerId);
        }
        catch (FleetException error)
        {
            return new DeliveryResult(DeliveryOutcome.Retry, "contacts unavailable: " + error.Message);
        }

        if (delivery.Channel == AlertChannel.Webhook)
        {
            return contacts?.WebhookUrl == null || _webhook == null
                ? new DeliveryResult(DeliveryOutcome.Permanent, "the customer has no webhook any more")
                : await _webhook.SendAsync(contacts.WebhookUrl, contacts.WebhookSecret!, delivery.AlertId, Encoding.UTF8.GetBytes(delivery.Body), _time.GetUtcNow(), cancellation).ConfigureAwait(false);
        }

        return contacts == null || contacts.Emails.Count == 0 || _smtp == null
            ? new DeliveryResult(DeliveryOutcome.Permanent, "the customer has no e-mail address any more")
            : await _smtp.SendAsync(contacts.Emails, delivery.Subject ?? "[SecureDevice] alert", AlertDocuments.EmailText(delivery.Body), delivery.AlertId, cancellation).ConfigureAwait(false);
    }

    private void Record(AlertDelivery delivery, DeliveryResult result)
    {
        DateTimeOffset now = _time.GetUtcNow();
        int attempts = delivery.Attempts + 1;
        AlertDelivery next;
        if (result.Outcome == DeliveryOutcome.Sent)
        {
            next = delivery with { State = DeliveryState.Sent, Attempts = attempts, DoneAt = now, LastError = null };
            Interlocked.Increment(ref Counters.SentCount);
        }
        else if (result.Outcome == DeliveryOutcome.Permanent || attempts >= _options.Retry.MaxAttempts)
        {
            next = delivery with { State = DeliveryState.Dead, Attempts = attempts, DoneAt = now, LastError = result.Detail };
            Interlocked.Increment(ref Counters.DeadCount);
        }
        else
        {
            next = delivery with { State = DeliveryState.Failed, Attempts = attempts, LastError = result.Detail, NextAttemptAt = now + _options.Retry.Delay(attempts, _random()) };
            Interlocked.Increment(ref Counters.RetriedCount);
        }

        lock (_gate)
        {
            _pending.RemoveAll(d => d.Id == delivery.Id);
            if (next.Pending)
            {
                _pending.Add(next);
            }

            try
            {
                _store.Save(next);
            }
            catch (FleetException)
            {
                // The in-memory state is right; the store catches up at the delivery's next change.
            }
        }
    }
}

/// <summary>
/// An owner's alert decided by <see cref="AlertDispatcher.Plan"/> and not yet written: the caller writes
/// <see cref="Deliveries"/> and, for <see cref="NotifyStatus.Queued"/> and <see cref="NotifyStatus.Summarized"/>, the
/// last state (<see cref="Key"/>, <see cref="State"/>) in its own transaction, then calls <see cref="Committed"/>.
/// Any other <see cref="Status"/> writes nothing (a duplicate, no contacts, the queue full).
/// </summary>
public sealed class AlertPlan
{
    private readonly AlertDispatcher _owner;
    private int _committed;

    internal AlertPlan(AlertDispatcher owner, AlertEvent alert, NotifyStatus status, string? key, string? state, IReadOnlyList<AlertDelivery> deliveries)
    {
        _owner = owner;
        Alert = alert;
        Status = status;
        Key = key;
        State = state;
        Deliveries = deliveries;
    }

    /// <summary>The alert (its device is the action's).</summary>
    public AlertEvent Alert { get; }

    /// <summary>What the dispatcher decided: <see cref="NotifyStatus.Queued"/> and <see cref="NotifyStatus.Summarized"/> write rows.</summary>
    public NotifyStatus Status { get; }

    /// <summary>The de-duplication key whose last state to write, or null (nothing to write).</summary>
    public string? Key { get; }

    /// <summary>The last state to write under <see cref="Key"/>.</summary>
    public string? State { get; }

    /// <summary>The deliveries to insert, one per channel (<see cref="NotifyStatus.Queued"/> only; else none).</summary>
    public IReadOnlyList<AlertDelivery> Deliveries { get; }

    /// <summary>The caller's transaction with these rows committed: the dispatcher takes the deliveries and counts it (once).</summary>
    public void Committed()
    {
        if (Interlocked.Exchange(ref _committed, 1) == 0)
        {
            _owner.Accept(this);
        }
    }
}
