using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Web;

namespace SecureDevice.WebConsole.Updates;

/// <summary>What an operator's resume or cancel did.</summary>
public enum WaveCommandStatus
{
    Done,

    /// <summary>The rollout is not staged, or not in a state that allows it (e.g. already completed): nothing changed.</summary>
    NotAllowed,

    /// <summary>Resume refused: the bundle no longer verifies or its manifest changed since the offer; nothing offered.</summary>
    BundleRefused,
}

/// <summary>
/// Moves rollouts on (docs/console.md, "Rollouts and waves"), outside any web request: <see cref="TickAsync(CancellationToken)"/> publishes
/// the current wave of each due rollout in <see cref="WaveState.Publishing"/> (under a claim, so two console instances
/// never publish the same wave; an answer to retry stops the pass under backoff, a refusal for good fails that device
/// only), then judges each wave in <see cref="WaveState.Judging"/>, the last one too, from its devices' update events
/// (ingest stores them) until its deadline: the next wave or halt, and after the last wave completed or failed (feed
/// alert, owner alert by webhook/e-mail through the service's dispatcher, audit). Operators resume or cancel. Every
/// state change is a compare-and-set in the database.
/// </summary>
public sealed class RolloutWaveRunner
{
    /// <summary>The worker's name in the audit and the rollout state.</summary>
    public const string Worker = "console:rollout-worker";

    /// <summary>Devices published between two renewals of the claim (and checks for a cancel).</summary>
    public const int ClaimBatch = 100;

    /// <summary>How long a publishing claim lasts without renewal: a crashed instance's pass passes to another after this.</summary>
    public static readonly TimeSpan Claim = TimeSpan.FromSeconds(120);

    private readonly UpdateOffers _offers;
    private readonly ConsoleBackend _backend;
    private readonly ConsoleOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    /// <summary>
    /// Per state (publishing, judging): the name of the service state row (<see cref="Tables.ServiceState"/>) holding
    /// the rollout id after which the next pass starts (no row or 0: the first). In the database, not in the worker, so
    /// that a restarted worker (or another instance's) goes on after the cut instead of starting at the first rollout
    /// again. Shared by every instance: it only says where to start looking (the claims and compare-and-set state
    /// changes keep instances apart), so the last writer winning is harmless.
    /// </summary>
    public static readonly string[] ResumeState = { "rollouts.resume-after.publishing", "rollouts.resume-after.judging" };

    public RolloutWaveRunner(UpdateOffers offers, ConsoleBackend backend, ConsoleOptions options, ILogger<RolloutWaveRunner> log)
    {
        _offers = offers;
        _backend = backend;
        _options = options;
        _time = options.Time;
        _log = log;
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// One pass within <see cref="ConsoleOptions.WavePassBudget"/>: publish what is due, then judge the published waves;
    /// returns how many rollouts changed state. Each state is read page by page (<see cref="ConsoleOptions.WavePageSize"/>,
    /// keyset on the rollout id) from where its previous pass stopped, wrapping around to the first rollout, until every
    /// due rollout was visited or the state's share of the budget is spent (publishing half, judging the rest).
    /// </summary>
    public Task<int> TickAsync(CancellationToken cancellationToken) => TickAsync(_options.WavePassBudget, cancellationToken);

    /// <summary>As <see cref="TickAsync(CancellationToken)"/> with <paramref name="budget"/> (positive) for this pass. One pass at a time per runner (the worker's loop).</summary>
    public async Task<int> TickAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        if (budget <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(budget), budget, "a worker pass needs a positive time budget");
        }

        if (!_offers.Configured)
        {
            return 0;
        }

        DateTimeOffset started = _time.GetUtcNow();
        int changed = await EachDueAsync(WaveState.Publishing, PublishAsync, started + (budget / 2), cancellationToken).ConfigureAwait(false);
        return changed + await EachDueAsync(WaveState.Judging, JudgeAsync, started + budget, cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> EachDueAsync(WaveState state, Func<RolloutRecord, WaveRecord, CancellationToken, Task<bool>> step, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        string cursor = ResumeState[state == WaveState.Publishing ? 0 : 1];
        long resume = Math.Max(0, await _backend.Fleet.GetStateAsync(cursor, cancellationToken).ConfigureAwait(false) ?? 0), last = resume;
        int changed = 0, visited = 0;
        long now = NowMs; // one "now" for the pass: a rollout whose retry falls due during it waits for the next pass

        // From where the previous pass stopped to the end, then from the first rollout up to there.
        for (int round = 0; round < (resume == 0 ? 1 : 2); round++)
        {
            long after = round == 0 ? resume : 0;
            while (true)
            {
                IReadOnlyList<WaveRecord> page = await _offers.Waves.ListDueAsync(state, after, _options.WavePageSize, now, cancellationToken).ConfigureAwait(false);
                foreach (WaveRecord waves in page)
                {
                    if (round == 1 && waves.RolloutId > resume)
                    {
                        break; // visited in the first round
                    }

                    if (visited > 0 && _time.GetUtcNow() >= deadline)
                    {
                        await SaveResumeAsync(cursor, resume, last, cancellationToken).ConfigureAwait(false); // the next pass starts after the last one visited
                        return changed;
                    }

                    RolloutRecord? rollout = await _offers.Rollouts.GetAsync(waves.RolloutId, null, cancellationToken).ConfigureAwait(false);
                    changed += rollout != null && await step(rollout, waves, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                    visited++;
                    last = waves.RolloutId;
                }

                if (page.Count < _options.WavePageSize || (round == 1 && page[^1].RolloutId >= resume))
                {
                    break;
                }

                after = page[^1].RolloutId;
            }
        }

        await SaveResumeAsync(cursor, resume, 0, cancellationToken).ConfigureAwait(false); // every due rollout visited: the next pass starts at the first
        return changed;
    }

    // Written only when it moved: a worker whose passes visit everything writes nothing.
    private async Task SaveResumeAsync(string cursor, long was, long next, CancellationToken cancellationToken)
    {
        if (next != was)
        {
            await _backend.Fleet.SetStateAsync(cursor, next, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An operator resumes a halted rollout: the next wave (or what of the current one is unpublished) is published by the worker and judged like any.</summary>
    public async Task<WaveCommandStatus> ResumeAsync(RolloutRecord rollout, ConsoleUser user, string address, CancellationToken cancellationToken)
    {
        WaveRecord? waves = await _offers.Waves.GetAsync(rollout.Id, cancellationToken).ConfigureAwait(false);
        if (waves?.State != WaveState.Halted || !_offers.Configured)
        {
            return WaveCommandStatus.NotAllowed;
        }

        if (!BundleStillVerifies(rollout, out string _))
        {
            return WaveCommandStatus.BundleRefused;
        }

        bool published = (await _offers.Waves.UnpublishedAsync(rollout.Id, waves.CurrentWave, cancellationToken).ConfigureAwait(false)).Count == 0;
        int next = Math.Min(published ? waves.CurrentWave + 1 : waves.CurrentWave, waves.WaveCount);
        string actor = UpdateOffers.ConsoleActor(user, address);
        if (!await _offers.Waves.TryEnterAsync(rollout.Id, WaveState.Halted, WaveState.Publishing, next, actor,
                "resumed by " + user.Name + "; wave " + next + " of " + waves.WaveCount + " is being published", NowMs, cancellationToken).ConfigureAwait(false))
        {
            return WaveCommandStatus.NotAllowed;
        }

        await _backend.Accounts.AppendAuditAsync(user.Name, "rollout.resume", "rollout " + rollout.Id + ": wave " + next, rollout.CustomerId, address, NowMs, cancellationToken).ConfigureAwait(false);
        _offers.Wake();
        return WaveCommandStatus.Done;
    }

    /// <summary>An operator cancels a publishing, judging or halted rollout: the rest is never published.</summary>
    public async Task<WaveCommandStatus> CancelAsync(RolloutRecord rollout, ConsoleUser user, string address, CancellationToken cancellationToken)
    {
        WaveRecord? waves = await _offers.Waves.GetAsync(rollout.Id, cancellationToken).ConfigureAwait(false);
        if (waves == null || !RolloutWaves.Allowed(waves.State, WaveState.Cancelled)
            || !await _offers.Waves.TryEnterAsync(rollout.Id, waves.State, WaveState.Cancelled, waves.CurrentWave, UpdateOffers.ConsoleActor(user, address), "cancelled by " + user.Name, NowMs, cancellationToken).ConfigureAwait(false))
        {
            return WaveCommandStatus.NotAllowed;
        }

        await _backend.Accounts.AppendAuditAsync(user.Name, "rollout.cancel", "rollout " + rollout.Id, rollout.CustomerId, address, NowMs, cancellationToken).ConfigureAwait(false);
        return WaveCommandStatus.Done;
    }

    /// <summary>
    /// Publishes the current wave under a claim: the bundle is checked again first (else halt). Per device: a revoked or
    /// quarantined device, or the broker's refusal for good, is recorded <c>failed</c> with the reason and the pass goes
    /// on; an answer to retry stops the pass under backoff (the detail says why and when; the next pass resumes where
    /// it stopped), and past <see cref="ConsoleOptions.PublishRetryLimit"/> halts the rollout.
    /// </summary>
    private async Task<bool> PublishAsync(RolloutRecord rollout, WaveRecord waves, CancellationToken cancellationToken)
    {
        if (!await _offers.Waves.TryClaimAsync(rollout.Id, NowMs, NowMs + (long)Claim.TotalMilliseconds, renew: false, cancellationToken).ConfigureAwait(false))
        {
            return false; // another instance's pass, or no longer publishing
        }

        string wave = "wave " + waves.CurrentWave + " of " + waves.WaveCount;
        if (!BundleStillVerifies(rollout, out string why))
        {
            return await StopAsync(rollout, WaveState.Publishing, WaveState.Halted, waves.CurrentWave, wave + " not published: " + why, cancellationToken).ConfigureAwait(false);
        }

        byte[] payload = UpdateOffers.Payload(rollout.Url, rollout.ManifestSha256);
        string what = rollout.Bundle + " " + rollout.Product + " " + rollout.Version + " manifest " + rollout.ManifestSha256 + " (" + wave + ")";
        IReadOnlyList<string> pending = await _offers.Waves.UnpublishedAsync(rollout.Id, waves.CurrentWave, cancellationToken).ConfigureAwait(false);
        Dictionary<string, DeviceRecord> registry = pending.Count == 0 ? new Dictionary<string, DeviceRecord>()
            : (await _backend.Fleet.ListDevicesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        int sent = 0, refused = 0;
        foreach (string device in pending)
        {
            if ((sent + refused) > 0 && (sent + refused) % ClaimBatch == 0
                && !await _offers.Waves.TryClaimAsync(rollout.Id, NowMs, NowMs + (long)Claim.TotalMilliseconds, renew: true, cancellationToken).ConfigureAwait(false))
            {
                return false; // cancelled meanwhile: nothing more goes out
            }

            (OfferDelivery delivery, string detail) = await _offers.PublishOneAsync(rollout.Id, what, payload, device,
                OfferDeliveries.Unreachable(registry.GetValueOrDefault(device)), waves.ChangedBy, rollout.Reason, cancellationToken).ConfigureAwait(false);
            if (delivery == OfferDelivery.Retry)
            {
                return await RetryLaterAsync(rollout, waves, wave + ": " + sent + " of " + pending.Count + " published this pass", sent > 0, detail, cancellationToken).ConfigureAwait(false);
            }

            sent += delivery == OfferDelivery.Delivered ? 1 : 0;
            refused += delivery == OfferDelivery.Refused ? 1 : 0;
        }

        string detailLine = wave + " published (" + sent + " now" + (refused > 0 ? ", " + refused + " refused for good: see the devices" : string.Empty) + "); judged until "
            + DateTimeOffset.FromUnixTimeMilliseconds(NowMs + waves.TimeoutMs).ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        return await _offers.Waves.TryEnterAsync(rollout.Id, WaveState.Publishing, WaveState.Judging, waves.CurrentWave, Worker, detailLine, NowMs, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The broker asked to retry: the pass stops and the rollout waits a jittered backoff (attempts counted from the
    /// first stop; a pass that published something first starts a new count), or halts once it has retried for
    /// <see cref="ConsoleOptions.PublishRetryLimit"/>.
    /// </summary>
    private async Task<bool> RetryLaterAsync(RolloutRecord rollout, WaveRecord waves, string progress, bool progressed, string answer, CancellationToken cancellationToken)
    {
        long now = NowMs;
        bool fresh = progressed || waves.RetryAttempts == 0;
        int attempt = fresh ? 1 : waves.RetryAttempts + 1;
        long since = fresh ? now : waves.RetrySinceMs;
        if (now - since >= (long)_options.PublishRetryLimit.TotalMilliseconds)
        {
            return await StopAsync(rollout, WaveState.Publishing, WaveState.Halted, waves.CurrentWave, progress + "; the broker asked to retry for "
                + (long)_options.PublishRetryLimit.TotalMinutes + " min (" + attempt + " attempts), the last answer: " + answer + "; an operator resumes", cancellationToken).ConfigureAwait(false);
        }

        long delay = OfferDeliveries.RetryDelayMs(attempt, (long)_options.PublishRetryBase.TotalMilliseconds, (long)_options.PublishRetryCap.TotalMilliseconds, _options.Random());
        await _offers.Waves.RetryLaterAsync(rollout.Id, progress + "; the broker: " + answer + "; attempt " + attempt + ", retried at "
            + DateTimeOffset.FromUnixTimeMilliseconds(now + delay).ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), attempt, now + delay, since, cancellationToken).ConfigureAwait(false);
        _log.LogWarning("rollout {Rollout}: publishing paused, the broker: {Answer}; attempt {Attempt}, retried in {Delay} ms", rollout.Id, answer, attempt, delay);
        return false;
    }

    private async Task<bool> JudgeAsync(RolloutRecord rollout, WaveRecord waves, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> devices = await _offers.Waves.WaveAsync(rollout.Id, waves.CurrentWave, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, string> events = await _offers.Waves.NewestUpdateEventsAsync(rollout.Id, waves.CurrentWave, rollout.CreatedMs, cancellationToken).ConfigureAwait(false);
        IReadOnlySet<string> refusedAtBroker = await _offers.Waves.RefusedAsync(rollout.Id, waves.CurrentWave, cancellationToken).ConfigureAwait(false);
        int succeeded = 0, failed = 0;
        foreach (string device in devices)
        {
            bool? outcome = refusedAtBroker.Contains(device) ? false
                : events.TryGetValue(device, out string? payload) ? RolloutWaves.Outcome(EventFields.Parse(payload).Outcome) : null;
            succeeded += outcome == true ? 1 : 0;
            failed += outcome == false ? 1 : 0;
        }

        bool late = NowMs >= waves.DeadlineMs;
        int silent = devices.Count - succeeded - failed;
        string tally = "wave " + waves.CurrentWave + " of " + waves.WaveCount + ": " + succeeded + " confirmed, " + failed + " failed (rejected, reverted or refused by the broker)"
            + (late && silent > 0 ? ", " + silent + " silent past the deadline (counted as failed)" : string.Empty) + " of " + devices.Count + "; halt above " + waves.HaltPercent + " %";
        switch (RolloutWaves.Judge(devices.Count, succeeded, failed, waves.HaltPercent, late, waves.LastWave))
        {
            case WaveDecision.Halt:
                return await StopAsync(rollout, WaveState.Judging, WaveState.Halted, waves.CurrentWave, tally, cancellationToken).ConfigureAwait(false);
            case WaveDecision.Fail:
                return await StopAsync(rollout, WaveState.Judging, WaveState.Failed, waves.CurrentWave, tally + "; the last wave: the rollout failed", cancellationToken).ConfigureAwait(false);
            case WaveDecision.Complete:
                if (!await _offers.Waves.TryEnterAsync(rollout.Id, WaveState.Judging, WaveState.Completed, waves.CurrentWave, Worker, tally + "; the last wave: completed", NowMs, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                await _backend.Accounts.AppendAuditAsync(Worker, "rollout.completed", "rollout " + rollout.Id + ": " + tally, rollout.CustomerId, "-", NowMs, cancellationToken).ConfigureAwait(false);
                return true;
            case WaveDecision.Advance:
                int next = waves.CurrentWave + 1;
                if (await _offers.Waves.TryEnterAsync(rollout.Id, WaveState.Judging, WaveState.Publishing, next, Worker, tally + "; wave " + next + " is being published", NowMs, cancellationToken).ConfigureAwait(false))
                {
                    _offers.Wake();
                    return true;
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// A rollout halts (<see cref="WaveState.Halted"/>, resumable) or fails (<see cref="WaveState.Failed"/>, final): the
    /// state row says why, a feed alert, an audit line <c>rollout.halted</c> / <c>rollout.failed</c>, and the owner's
    /// alert through the service's dispatcher (kind <c>rollout-halted</c> / <c>rollout-failed</c>).
    /// </summary>
    private async Task<bool> StopAsync(RolloutRecord rollout, WaveState from, WaveState to, int wave, string why, CancellationToken cancellationToken)
    {
        long now = NowMs;
        if (!await _offers.Waves.TryEnterAsync(rollout.Id, from, to, wave, Worker, why, now, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        string name = RolloutWaves.Name(to);
        string kind = "rollout-" + name;

        // The rollout's tenant sees the alert on its feed; a staff rollout over several customers alerts staff.
        string customer = rollout.CustomerId ?? FailureBurstGuard.StaffCustomer;
        await _backend.Fleet.AddAlertAsync(new AlertRecord(0, customer, null, kind, "console", "raised", 0, null, kind + "|" + rollout.Id, now, now), cancellationToken).ConfigureAwait(false);
        await _backend.Accounts.AppendAuditAsync(Worker, "rollout." + name, "rollout " + rollout.Id + ": " + why, rollout.CustomerId, "-", now, cancellationToken).ConfigureAwait(false);
        OwnerAlerts.Send(_options, _log, rollout.CustomerId, AlertEvent.ForFleet(rollout.CustomerId ?? string.Empty, kind, "rollout-" + rollout.Id, name,
            to == WaveState.Failed ? AlertSeverity.Critical : AlertSeverity.Warning,
            "Update rollout " + rollout.Id + " (" + rollout.Bundle + ", " + rollout.Product + " " + rollout.Version + ") " + name + ": " + why, "target " + rollout.Target,
            DateTimeOffset.FromUnixTimeMilliseconds(now)));
        _log.LogWarning("rollout {Rollout} {State}: {Why}", rollout.Id, name, why);
        return true;
    }

    // A wave offers what wave 1 was offered: the same folder must still verify now, with the same manifest digest.
    private bool BundleStillVerifies(RolloutRecord rollout, out string why)
    {
        BundleEntry? bundle = _offers.Catalog?.Check(rollout.Bundle, NowMs / 1000);
        why = bundle == null ? "the bundle folder is gone"
            : !bundle.Verified ? "the bundle no longer verifies: " + bundle.Detail
            : bundle.ManifestSha256 != rollout.ManifestSha256 ? "the bundle's manifest changed since the offer"
            : string.Empty;
        return why.Length == 0;
    }
}

/// <summary>Runs <see cref="RolloutWaveRunner.TickAsync(CancellationToken)"/> every <see cref="ConsoleOptions.WaveInterval"/>; a failed pass is logged and retried.</summary>
public sealed class RolloutWaveWorker : BackgroundService
{
    private readonly RolloutWaveRunner _runner;
    private readonly UpdateOffers _offers;
    private readonly TimeSpan _interval;
    private readonly ILogger _log;

    public RolloutWaveWorker(RolloutWaveRunner runner, UpdateOffers offers, ConsoleOptions options, ILogger<RolloutWaveWorker> log)
    {
        _runner = runner;
        _offers = offers;
        _interval = options.WaveInterval;
        _log = log;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval == Timeout.InfiniteTimeSpan)
        {
            return; // no worker in this instance (another one runs it; tests drive TickAsync themselves)
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _offers.WaitAsync(_interval, stoppingToken).ConfigureAwait(false);
                await _runner.TickAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                _log.LogError(error, "staged rollouts: a pass failed; retried in {Interval}", _interval);
            }
        }
    }
}
