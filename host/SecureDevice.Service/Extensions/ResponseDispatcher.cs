using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Extensions;

/// <summary>
/// Between the service and <see cref="IDeviceResponse"/>: queues ingest signals (bounded, never blocking ingest) for
/// one worker, and executes actions with an audit record for each (<see cref="Tables.Actions"/>): the intent is written
/// pending before the mechanism runs (<see cref="IActionStore.BeginActionAsync"/>; if it cannot be, nothing is done),
/// then completed done or failed with the device's service state (normal, throttled, quarantined) when the action
/// succeeded, its presence when the action ended its connection (<see cref="CutReason"/>), and the response ladder's own
/// row (<see cref="ActionOutcome.Ladder"/>, else <see cref="DeviceActionRequest.Ladder"/>): all of it in one
/// transaction (<see cref="IActionStore.CompleteActionAsync"/>), with the owner's alert of a done action
/// (<see cref="ActionOutcome.Alert"/>, decided by <see cref="IDeviceResponse.PlanAlert"/>) in the outbox. A row left
/// pending (that transaction failed, the process died) is completed by the reconciler (<see cref="RunReconcilerAsync"/>)
/// from what the broker and the inventory hold (a throttle from the device's own health reports), its alert (<see cref="IDeviceResponse.ReconciledAlert"/>) queued in the
/// same way when it is completed done: the alert is queued if and only if the row is done, once.
/// </summary>
public sealed class ResponseDispatcher : IDeviceActions
{
    /// <summary>Signals held before new ones are dropped.</summary>
    public const int QueueCapacity = 10_000;

    /// <summary>
    /// How old a pending action's intent must be before the reconciler completes it: longer than a mechanism takes (the
    /// broker's exchanges time out within seconds), so an action in flight is not read half-done.
    /// </summary>
    public static readonly TimeSpan ReconcileAfter = TimeSpan.FromSeconds(60);

    /// <summary>How often the reconciler looks for pending actions.</summary>
    public static readonly TimeSpan ReconcileEvery = TimeSpan.FromSeconds(60);

    /// <summary>Pending actions listed per page of a pass (<see cref="ReconcileAsync"/> pages on until a short page or a bound).</summary>
    public const int ReconcileBatch = 100;

    /// <summary>
    /// Pending actions read per pass at most (deferred ones included): past it, the pass stops and the next one resumes
    /// after the last row read, so that more deferred rows than this cannot starve the rows behind them either.
    /// </summary>
    public const int ReconcilePassRows = 1_000;

    /// <summary>
    /// How long a pass may read at most (each quarantine, lift or revocation asks the broker, which may answer slowly):
    /// past it, the pass stops after the row in hand and the next one resumes after it. Half of <see cref="ReconcileEvery"/>.
    /// </summary>
    public static readonly TimeSpan ReconcilePassTime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long after a throttle's intent the device's reports start to count for it (before, they are neither evidence
    /// for nor against it). A report received soon after the intent may have been sampled before the command reached the
    /// device: already in flight at the broker or in ingest's queue, or a QoS 1 report re-sent after a reconnect (the
    /// firmware queues no other: it samples at send time, DeviceAgent.Report). And the flag of a report just after the
    /// intent may still be a lift's own throttle (the maximum rate for 2 minutes) that came just before. A connected
    /// device receives the command within seconds.
    /// </summary>
    public static readonly TimeSpan ThrottleSettle = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Reports without the Throttled flag, received after <see cref="ThrottleSettle"/>, that make a pending throttle
    /// failed: two, not one, because a device that was offline at the intent gets the retained command only when it
    /// subscribes again, and its first report after the reconnect may leave before the command is applied; the next one
    /// is sampled a report interval later.
    /// </summary>
    public const int ThrottleUnflaggedReports = 2;

    /// <summary>
    /// How long a pending throttle may still be read from the device's reports: the longest throttle (24 h, the
    /// firmware's ThrottleCommandParser.MaxDurationSeconds). The action row does not hold the throttle's duration (the
    /// intent records kind, actor and reason only), so the bound is the longest: after it no report can show this
    /// throttle in force.
    /// </summary>
    public static readonly TimeSpan ThrottleWindow = TimeSpan.FromSeconds(SecureDevice.Core.FloodGuard.ThrottleCommandParser.MaxDurationSeconds);

    /// <summary>Reports read per pending throttle at most (oldest first; a flagged one among them decides, else many unflagged do).</summary>
    public const int ThrottleReportsRead = 50;

    /// <summary>The instance name the ladder's row carries when the reconciler writes it (<see cref="LadderRow.Instance"/>).</summary>
    public const string ReconcilerInstance = "reconciler";

    private readonly IDeviceResponse _response;
    private readonly IActionStore _store;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger _log;
    private readonly TimeProvider _time;

    /// <summary>Where the next pass starts: after the last row the previous pass read when it stopped at a bound (null: from the oldest).</summary>
    private PendingCursor? _resumeAfter;
    private readonly Channel<DeviceSignal> _signals = Channel.CreateBounded<DeviceSignal>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ResponseDispatcher(IDeviceResponse response, IActionStore store, ServiceMetrics metrics, ILogger log, TimeProvider time)
    {
        _response = response;
        _store = store;
        _metrics = metrics;
        _log = log;
        _time = time;
    }

    /// <summary>Queues a signal; false (and counted) when the queue is full.</summary>
    public bool Signal(DeviceSignal signal)
    {
        if (_signals.Writer.TryWrite(signal))
        {
            return true;
        }

        _metrics.SignalsDropped.Inc();
        return false;
    }

    public async Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken)
    {
        // The intent first, in a transaction of its own: an action the database cannot record is not carried out (never
        // act unaudited), and one whose completion fails below stays pending for the reconciler instead of unknown.
        string kind = KindName(request.Kind);
        long id;
        try
        {
            id = await _store.BeginActionAsync(new ActionRecord(0, request.DeviceId, kind, request.Actor, request.Reason, _time.GetUtcNow().ToUnixTimeMilliseconds(),
                ActionRecord.Pending, null), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            throw new ActionNotStartedException("the database did not take the action's record, nothing was done: " + error.GetType().Name + ": " + error.Message, error);
        }

        ActionOutcome outcome;
        try
        {
            outcome = await _response.ExecuteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            outcome = ActionOutcome.Failed("the response mechanism failed: " + error.GetType().Name + ": " + error.Message);
        }

        // The outcome, the state, the presence cut and the ladder's row in one transaction: no reader sees a done action
        // with the device's old state, a crash between them cannot leave a done quarantine on a device still "normal",
        // nor a done throttle whose ladder row is missing (the next offence would throttle again instead of
        // quarantining), nor a lift that forgot the ladder without its record. A failed action changes nothing else.
        // The mechanism's change (a lift) wins over the requester's (the ladder's own steps). Not cancelled with the
        // request: the mechanism has acted, its outcome must be written (else the row waits for the reconciler).
        // The owner's alert too (a done action only): its outbox rows commit with the "done", so the owner is never told
        // about an action the table shows pending or failed, and a crash after the commit cannot lose it.
        long atMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        AlertPlan? alert = outcome.Done && outcome.Alert != null ? _response.PlanAlert(outcome.Alert) : null;
        bool completed = await _store.CompleteActionAsync(new ActionCompletion(id, outcome.Done ? ActionRecord.Done : ActionRecord.Failed, outcome.Detail, atMs,
            outcome.Done ? ServiceState(request.Kind) : null, outcome.Done ? CutReason(request.Kind) : null, outcome.Done ? outcome.Ladder ?? request.Ladder : null, alert),
            CancellationToken.None).ConfigureAwait(false);
        if (completed)
        {
            alert?.Committed();
        }
        else
        {
            // The reconciler took the row for one left behind (the mechanism outlasted ReconcileAfter): its reading stands.
            _metrics.ActionsReconciled.WithLabels(kind, "raced").Inc();
            _log.LogWarning("action {Id} ({Kind} on {Device}) was completed by the reconciler before its mechanism answered ({Outcome}: {Detail})", id, kind,
                Printable.Escape(request.DeviceId), outcome.Done ? "done" : "failed", Printable.Escape(outcome.Detail));
        }

        return outcome;
    }

    /// <summary>The kind as the actions table names it (throttle, quarantine, lift, revoke).</summary>
    public static string KindName(DeviceActionKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>
    /// One pass of the reconciler: completes the actions still pending whose intent is older than
    /// <see cref="ReconcileAfter"/> (an action in flight is left alone) from what the mechanisms' side holds now
    /// (<see cref="Reconcile"/>), a throttle from the device's reports since (<see cref="ReconcileThrottle"/>). A row
    /// another completer took first is skipped. The number of rows completed.
    /// </summary>
    /// <remarks>
    /// A pending throttle on a silent device stays deferred for up to <see cref="ThrottleWindow"/> (24 h). A pass that
    /// read only the oldest <see cref="ReconcileBatch"/> rows would, while that many throttles wait, re-read the same
    /// ones every pass and never reach a quarantine, lift or revocation behind them. So a pass pages through every due
    /// row with a keyset cursor on (at_ms, id), oldest first, until a short page: each row is read once per pass (a
    /// deferred throttle's reports once a pass, not more), rows completed meanwhile do not shift the pages, and the
    /// SQL is one parameterised text on both dialects. Not "non-throttles first": that would still let deferred
    /// throttles starve a throttle whose device has since reported, and it needs an ORDER BY the pending index does not
    /// serve. The pass is bounded (<see cref="ReconcilePassRows"/>, <see cref="ReconcilePassTime"/>); when it stops at a
    /// bound the next pass resumes after the last row read instead of at the oldest (and wraps around to the oldest
    /// past the newest, up to where it resumed), so no number of deferred rows starves the others.
    /// </remarks>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        long before = now - (long)ReconcileAfter.TotalMilliseconds;
        long started = _time.GetTimestamp();
        // Resumed after the row where the last pass stopped; past the newest, the pass wraps around to the oldest and
        // stops before the rows it has read already.
        PendingCursor? resumed = _resumeAfter, after = resumed;
        bool wrapped = resumed == null;
        int read = 0, completed = 0;
        while (true)
        {
            IReadOnlyList<ActionRecord> page = await _store.ListPendingActionsAsync(before, after, ReconcileBatch, cancellationToken).ConfigureAwait(false);
            foreach (ActionRecord action in page)
            {
                if (wrapped && resumed != null && (action.AtMs > resumed.AtMs || (action.AtMs == resumed.AtMs && action.Id > resumed.Id)))
                {
                    _resumeAfter = null;
                    return completed;
                }

                after = new PendingCursor(action.AtMs, action.Id);
                if (await ReconcileOneAsync(action, now, cancellationToken).ConfigureAwait(false))
                {
                    completed++;
                }

                if (++read >= ReconcilePassRows || _time.GetElapsedTime(started) >= ReconcilePassTime)
                {
                    _resumeAfter = after;
                    return completed;
                }
            }

            if (page.Count < ReconcileBatch)
            {
                if (wrapped)
                {
                    _resumeAfter = null;
                    return completed;
                }

                wrapped = true;
                after = null;
            }
        }
    }

    /// <summary>Completes one pending <paramref name="action"/> as <see cref="ReconcileAsync"/> decides (false: deferred, or another completer took it).</summary>
    private async Task<bool> ReconcileOneAsync(ActionRecord action, long now, CancellationToken cancellationToken)
    {
        ActionCompletion? completion;
        bool known = Enum.TryParse(action.Kind, true, out DeviceActionKind kind);
        if (known && kind == DeviceActionKind.Throttle)
        {
            // A throttle leaves no state at the broker: the device's own reports say whether it is in force.
            completion = ReconcileThrottle(action, await _store.ReadThrottleReportsAsync(action, action.AtMs + (long)ThrottleSettle.TotalMilliseconds,
                action.AtMs + (long)ThrottleWindow.TotalMilliseconds, ThrottleReportsRead, cancellationToken).ConfigureAwait(false), now);
        }
        else
        {
            DeviceTruth truth;
            try
            {
                truth = known
                    ? await _response.ReadAsync(action.DeviceId, cancellationToken).ConfigureAwait(false)
                    : DeviceTruth.Unreadable("nothing to read", transient: false);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                truth = DeviceTruth.Unreadable("reading the mechanisms failed: " + error.GetType().Name + ": " + error.Message, transient: true);
            }

            completion = Reconcile(action, truth, now);
        }

        if (completion == null)
        {
            _metrics.ActionsReconciled.WithLabels(action.Kind, "deferred").Inc();
            return false;
        }

        // A throttle superseded by a later action (done, but no state: ReconcileThrottle) is recorded without an alert:
        // the owner has had the later action's.
        bool superseded = known && kind == DeviceActionKind.Throttle && completion.ServiceState == null;
        if (completion.Outcome == ActionRecord.Done && !superseded && _response.ReconciledAlert(action, completion) is AlertEvent owed)
        {
            // The owner learns of the action now that it is recorded done, in the same transaction (as the dispatcher's own completion).
            completion = completion with { Alert = _response.PlanAlert(owed) };
        }

        bool done = await _store.CompleteActionAsync(completion, cancellationToken).ConfigureAwait(false);
        _metrics.ActionsReconciled.WithLabels(action.Kind, done ? completion.Outcome : "raced").Inc();
        if (done)
        {
            completion.Alert?.Committed();
            _log.LogWarning("action {Id} ({Kind} on {Device}) was left pending; reconciled as {Outcome}: {Detail}", action.Id, action.Kind,
                Printable.Escape(action.DeviceId), completion.Outcome, Printable.Escape(completion.Detail ?? string.Empty));
        }

        return done;
    }

    /// <summary>
    /// The reconciler's decision for a pending <paramref name="action"/> from <paramref name="truth"/>, in order
    /// (docs/response.md, "Pending actions"); null: leave it pending (the broker could not be read this time). A
    /// throttle is decided from the device's reports instead (<see cref="ReconcileThrottle"/>).
    /// </summary>
    /// <exception cref="ArgumentException">The action is a throttle.</exception>
    public static ActionCompletion? Reconcile(ActionRecord action, DeviceTruth truth, long nowMs)
    {
        if (!Enum.TryParse(action.Kind, true, out DeviceActionKind kind))
        {
            // Nothing to read for a kind this service does not know (a newer version's row).
            return new ActionCompletion(action.Id, ActionRecord.Failed, Prefix + "outcome unknown (an action kind this service does not know)", nowMs);
        }

        if (kind == DeviceActionKind.Throttle)
        {
            throw new ArgumentException("a throttle is reconciled from the device's reports (ReconcileThrottle)", nameof(action));
        }

        if (kind == DeviceActionKind.Revoke && truth.Revoked)
        {
            // The CRL is the truth: the inventory lists the certificate revoked, whatever the broker's client.
            return new ActionCompletion(action.Id, ActionRecord.Done, Prefix + "the inventory lists the certificate revoked", nowMs, null, CutReason(kind));
        }

        if (!truth.Read)
        {
            // Not attached yet, or the broker away: ask again at the next pass. Refused for good: nobody will know.
            return truth.Transient ? null : new ActionCompletion(action.Id, ActionRecord.Failed, Prefix + "outcome unknown (" + truth.Detail + ")", nowMs);
        }

        if (kind == DeviceActionKind.Revoke)
        {
            return new ActionCompletion(action.Id, ActionRecord.Failed, Prefix + "the inventory does not list the certificate revoked", nowMs);
        }

        SecureDevice.Fleet.Broker.DeviceAccess expected = kind == DeviceActionKind.Quarantine ? SecureDevice.Fleet.Broker.DeviceAccess.Quarantined : SecureDevice.Fleet.Broker.DeviceAccess.Normal;
        if (truth.Access != expected)
        {
            return new ActionCompletion(action.Id, ActionRecord.Failed, Prefix + truth.Detail, nowMs);
        }

        return new ActionCompletion(action.Id, ActionRecord.Done, Prefix + truth.Detail, nowMs, ServiceState(kind), CutReason(kind),
            kind == DeviceActionKind.Lift ? LadderChange.Forget(action.DeviceId) : null);
    }

    /// <summary>
    /// The reconciler's decision for a pending throttle <paramref name="action"/> from the device's own reports
    /// (<paramref name="reports"/>: received from <see cref="ThrottleSettle"/> after the intent until the device's next
    /// action), in order (docs/response.md, "Pending actions"); null: leave it pending, a report may still tell.
    /// The flag is the device's word: a lying device can only claim to be throttled, which at most records the ladder's
    /// step 1 for it; the ladder still escalates only on what the broker and ingest see (refused messages, findings),
    /// never on the flag, so the lie can only bring its own quarantine sooner.
    /// </summary>
    public static ActionCompletion? ReconcileThrottle(ActionRecord action, ThrottleReports reports, long nowMs)
    {
        if (reports.FlaggedMs is long flaggedMs)
        {
            // Done as the throttle's own completion would have been: state throttled, and, for the ladder's own throttle
            // (the actor "service": LadderResponse is its only issuer), the ladder's step 1 since the intent, so that the
            // next offence after the grace period quarantines. Not when another action followed: its own completion
            // wrote (or will write) the ladder's row, and a lift that forgot it must stay forgotten.
            // Nor the state: a later action (a lift, a quarantine) set the device's state when it completed, and a throttle
            // recorded after it must not set it back to throttled (nor alert the owner of a throttle after that action's
            // alert: ReconcileAsync queues none for a superseded throttle).
            bool superseded = reports.NextActionMs != null;
            LadderChange? ladder = SecureDevice.Fleet.Response.ResponseActions.IsServiceActor(action.Actor) && !superseded
                ? LadderChange.Save(new LadderRow(action.DeviceId, 1, action.AtMs, null, nowMs, ReconcilerInstance))
                : null;
            return new ActionCompletion(action.Id, ActionRecord.Done, Prefix + "the device reports the throttle in force (report received at " + Time(flaggedMs) + ")"
                + (superseded ? "; a later action on the device stands" : string.Empty), nowMs,
                superseded ? null : ServiceState(DeviceActionKind.Throttle), CutReason(DeviceActionKind.Throttle), ladder);
        }

        if (reports.Unflagged >= ThrottleUnflaggedReports)
        {
            return new ActionCompletion(action.Id, ActionRecord.Failed, Prefix + "the device reported " + reports.Unflagged + " times since without the throttle in force (last at "
                + Time(reports.LastUnflaggedMs!.Value) + ")", nowMs);
        }

        // Until the device's next action (its flag may be that action's) or the longest throttle's end.
        long windowEndMs = reports.NextActionMs ?? action.AtMs + (long)ThrottleWindow.TotalMilliseconds;
        if (nowMs < windowEndMs)
        {
            return null;
        }

        return new ActionCompletion(action.Id, ActionRecord.Failed, Prefix + "outcome unknown (the device sent "
            + (reports.Unflagged == 0 ? "no report" : "only " + reports.Unflagged + " report without the flag")
            + (reports.NextActionMs == null ? " while the throttle could have held)" : " before its next action)"), nowMs);
    }

    /// <summary>The reconciler's loop: a pass at once (a restart resolves what the last run left), then every <see cref="ReconcileEvery"/>, until cancelled.</summary>
    public async Task RunReconcilerAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ReconcileAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception error)
            {
                // The database is away: the rows wait for the next pass.
                _log.LogWarning("reconciling pending actions failed: {Error}", Printable.Escape(error.GetType().Name + ": " + error.Message));
            }

            try
            {
                await Task.Delay(ReconcileEvery, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private const string Prefix = "reconciled after a failed record: ";

    private static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The device's service state after a done <paramref name="kind"/> (null: unchanged, a revocation).</summary>
    public static string? ServiceState(DeviceActionKind kind) => kind switch
    {
        DeviceActionKind.Throttle => "throttled",
        DeviceActionKind.Quarantine => "quarantined",
        DeviceActionKind.Lift => "normal",
        _ => null,
    };

    /// <summary>
    /// Why presence is offline after a done <paramref name="kind"/> that ended the device's connection at the broker
    /// (null: it did not). The device's last "online" would otherwise stand: its will cannot reach the service, the kick
    /// took its publish rights. A lift changes nothing: the device is online when it says so again.
    /// </summary>
    public static string? CutReason(DeviceActionKind kind) => kind switch
    {
        DeviceActionKind.Quarantine => "quarantined: disconnected by the broker",
        DeviceActionKind.Revoke => "revoked: disconnected by the broker",
        _ => null,
    };

    /// <summary>The worker: hands each signal to the response policy until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (DeviceSignal signal in _signals.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _response.OnSignalAsync(signal, this, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    _metrics.ResponseFailures.Inc();
                    _log.LogWarning("response to a signal for {Device} failed: {Error}", Printable.Escape(signal.DeviceId), Printable.Escape(error.Message));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}

/// <summary>
/// The action's intent could not be recorded (the database refused or was away): nothing was done. Its inner exception
/// is the database's error.
/// </summary>
public sealed class ActionNotStartedException(string message, Exception inner) : Exception(message, inner);
