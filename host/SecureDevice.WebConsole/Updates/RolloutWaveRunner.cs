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
/// Moves rollouts on (docs/console.md, "Rollouts and waves"), outside any web request: <see cref="TickAsync"/> publishes
/// the current wave of each rollout in <see cref="WaveState.Publishing"/> (under a claim, so two console instances never
/// publish the same wave; retried while the broker is away), then judges each wave in <see cref="WaveState.Judging"/>
/// from its devices' update events (ingest stores them) until its deadline, and advances to the next wave or halts (feed
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

    public RolloutWaveRunner(UpdateOffers offers, ConsoleBackend backend, ConsoleOptions options, ILogger<RolloutWaveRunner> log)
    {
        _offers = offers;
        _backend = backend;
        _options = options;
        _time = options.Time;
        _log = log;
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>One pass: publish what is due, then judge the published waves; returns how many rollouts changed state.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken)
    {
        if (!_offers.Configured)
        {
            return 0;
        }

        int changed = 0;
        foreach (WaveRecord waves in await _offers.Waves.ListAsync(WaveState.Publishing, 1000, cancellationToken).ConfigureAwait(false))
        {
            RolloutRecord? rollout = await _offers.Rollouts.GetAsync(waves.RolloutId, null, cancellationToken).ConfigureAwait(false);
            changed += rollout != null && await PublishAsync(rollout, waves, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        foreach (WaveRecord waves in await _offers.Waves.ListAsync(WaveState.Judging, 1000, cancellationToken).ConfigureAwait(false))
        {
            RolloutRecord? rollout = await _offers.Rollouts.GetAsync(waves.RolloutId, null, cancellationToken).ConfigureAwait(false);
            changed += rollout != null && await JudgeAsync(rollout, waves, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return changed;
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
    /// Publishes the current wave under a claim: the bundle is checked again first (else halt); each device's answer is
    /// recorded as it comes; no connection stops the pass (the detail says why, the next pass resumes where it stopped).
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
            return await HaltAsync(rollout, WaveState.Publishing, waves.CurrentWave, wave + " not published: " + why, cancellationToken).ConfigureAwait(false);
        }

        byte[] payload = UpdateOffers.Payload(rollout.Url, rollout.ManifestSha256);
        string what = rollout.Bundle + " " + rollout.Product + " " + rollout.Version + " manifest " + rollout.ManifestSha256 + " (" + wave + ")";
        IReadOnlyList<string> pending = await _offers.Waves.UnpublishedAsync(rollout.Id, waves.CurrentWave, cancellationToken).ConfigureAwait(false);
        int sent = 0, refused = 0;
        foreach (string device in pending)
        {
            if ((sent + refused) > 0 && (sent + refused) % ClaimBatch == 0
                && !await _offers.Waves.TryClaimAsync(rollout.Id, NowMs, NowMs + (long)Claim.TotalMilliseconds, renew: true, cancellationToken).ConfigureAwait(false))
            {
                return false; // cancelled meanwhile: nothing more goes out
            }

            SecureDevice.Fleet.Broker.BrokerAccessResult result = await _offers.PublishOneAsync(rollout.Id, what, payload, device, waves.ChangedBy, rollout.Reason, cancellationToken).ConfigureAwait(false);
            if (UpdateOffers.IsTransient(result.Status))
            {
                await _offers.Waves.NoteAsync(rollout.Id, "publishing " + wave + ": " + sent + " of " + pending.Count + " this pass; the broker: "
                    + result.Status + " (" + result.Detail + "); retried every " + (long)_options.WaveInterval.TotalSeconds + " s", cancellationToken).ConfigureAwait(false);
                _log.LogWarning("rollout {Rollout}: publishing {Wave} paused, the broker: {Status}", rollout.Id, wave, result.Status);
                return false;
            }

            sent += result.Status == SecureDevice.Fleet.Broker.BrokerAccessStatus.Done ? 1 : 0;
            refused += result.Status == SecureDevice.Fleet.Broker.BrokerAccessStatus.Done ? 0 : 1;
        }

        bool last = waves.CurrentWave >= waves.WaveCount;
        string detail = wave + " published (" + sent + " now" + (refused > 0 ? ", " + refused + " refused by the broker" : string.Empty) + ")"
            + (last ? "; every wave published" : "; judged until " + DateTimeOffset.FromUnixTimeMilliseconds(NowMs + waves.TimeoutMs).ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
        return await _offers.Waves.TryEnterAsync(rollout.Id, WaveState.Publishing, last ? WaveState.Completed : WaveState.Judging, waves.CurrentWave, Worker, detail, NowMs, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> JudgeAsync(RolloutRecord rollout, WaveRecord waves, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> devices = await _offers.Waves.WaveAsync(rollout.Id, waves.CurrentWave, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, string> events = await _offers.Waves.NewestUpdateEventsAsync(rollout.Id, waves.CurrentWave, rollout.CreatedMs, cancellationToken).ConfigureAwait(false);
        int succeeded = 0, failed = 0;
        foreach (string device in devices)
        {
            bool? outcome = events.TryGetValue(device, out string? payload) ? RolloutWaves.Outcome(EventFields.Parse(payload).Outcome) : null;
            succeeded += outcome == true ? 1 : 0;
            failed += outcome == false ? 1 : 0;
        }

        bool late = NowMs >= waves.DeadlineMs;
        int silent = devices.Count - succeeded - failed;
        string tally = "wave " + waves.CurrentWave + " of " + waves.WaveCount + ": " + succeeded + " confirmed, " + failed + " failed (rejected or reverted)"
            + (late && silent > 0 ? ", " + silent + " silent past the deadline (counted as failed)" : string.Empty) + " of " + devices.Count + "; halt above " + waves.HaltPercent + " %";
        switch (RolloutWaves.Judge(devices.Count, succeeded, failed, waves.HaltPercent, late))
        {
            case WaveDecision.Halt:
                return await HaltAsync(rollout, WaveState.Judging, waves.CurrentWave, tally, cancellationToken).ConfigureAwait(false);
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

    private async Task<bool> HaltAsync(RolloutRecord rollout, WaveState from, int wave, string why, CancellationToken cancellationToken)
    {
        long now = NowMs;
        if (!await _offers.Waves.TryEnterAsync(rollout.Id, from, WaveState.Halted, wave, Worker, why, now, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // The rollout's tenant sees the alert on its feed; a staff rollout over several customers alerts staff.
        string customer = rollout.CustomerId ?? FailureBurstGuard.StaffCustomer;
        await _backend.Fleet.AddAlertAsync(new AlertRecord(0, customer, null, "rollout-halted", "console", "raised", 0, null, "rollout-halted|" + rollout.Id, now, now), cancellationToken).ConfigureAwait(false);
        await _backend.Accounts.AppendAuditAsync(Worker, "rollout.halted", "rollout " + rollout.Id + ": " + why, rollout.CustomerId, "-", now, cancellationToken).ConfigureAwait(false);
        OwnerAlerts.Send(_options, _log, rollout.CustomerId, AlertEvent.ForFleet(rollout.CustomerId ?? string.Empty, "rollout-halted", "rollout-" + rollout.Id, "halted", AlertSeverity.Warning,
            "Update rollout " + rollout.Id + " (" + rollout.Bundle + ", " + rollout.Product + " " + rollout.Version + ") halted: " + why, "target " + rollout.Target,
            DateTimeOffset.FromUnixTimeMilliseconds(now)));
        _log.LogWarning("rollout {Rollout} halted: {Why}", rollout.Id, why);
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

/// <summary>Runs <see cref="RolloutWaveRunner.TickAsync"/> every <see cref="ConsoleOptions.WaveInterval"/>; a failed pass is logged and retried.</summary>
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
