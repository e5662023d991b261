using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
/// Moves staged rollouts on (docs/console.md, "Staged rollouts"): <see cref="TickAsync"/> judges each rollout in
/// <see cref="WaveState.Judging"/> from its wave-1 devices' update events (ingest stores them) and advances (offers the
/// rest) or halts it (alert + audit, nothing more offered); operators resume or cancel a halted one. Every state change
/// is a compare-and-set in the database, so two console instances never both offer wave 2.
/// </summary>
public sealed class RolloutWaveRunner
{
    /// <summary>The worker's name in the audit and the rollout state.</summary>
    public const string Worker = "console:rollout-worker";

    private readonly UpdateOffers _offers;
    private readonly ConsoleBackend _backend;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public RolloutWaveRunner(UpdateOffers offers, ConsoleBackend backend, ConsoleOptions options, ILogger<RolloutWaveRunner> log)
    {
        _offers = offers;
        _backend = backend;
        _time = options.Time;
        _log = log;
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>One pass over the judging rollouts; returns how many changed state.</summary>
    public async Task<int> TickAsync(CancellationToken cancellationToken)
    {
        if (!_offers.Configured)
        {
            return 0;
        }

        int changed = 0;
        foreach (WaveRecord waves in await _offers.Waves.ListAsync(WaveState.Judging, 1000, cancellationToken).ConfigureAwait(false))
        {
            RolloutRecord? rollout = await _offers.Rollouts.GetAsync(waves.RolloutId, null, cancellationToken).ConfigureAwait(false);
            if (rollout == null)
            {
                continue;
            }

            IReadOnlyList<string> first = await _offers.Waves.WaveAsync(rollout.Id, 1, cancellationToken).ConfigureAwait(false);
            IReadOnlyDictionary<string, string> events = await _offers.Waves.NewestUpdateEventsAsync(rollout.Id, 1, rollout.CreatedMs, cancellationToken).ConfigureAwait(false);
            int succeeded = 0, failed = 0;
            foreach (string device in first)
            {
                bool? outcome = events.TryGetValue(device, out string? payload) ? RolloutWaves.Outcome(EventFields.Parse(payload).Outcome) : null;
                succeeded += outcome == true ? 1 : 0;
                failed += outcome == false ? 1 : 0;
            }

            string tally = "wave 1: " + succeeded + " confirmed, " + failed + " failed (rejected or reverted) of " + first.Count + "; halt above " + waves.HaltPercent + " %";
            switch (RolloutWaves.Judge(first.Count, succeeded, failed, waves.HaltPercent))
            {
                case WaveDecision.Halt:
                    changed += await HaltAsync(rollout, tally, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                    break;
                case WaveDecision.Advance:
                    if (!BundleStillVerifies(rollout, out string why))
                    {
                        changed += await HaltAsync(rollout, tally + "; " + why, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                    }
                    else if (await _offers.Waves.TryEnterAsync(rollout.Id, WaveState.Judging, WaveState.Completed, Worker, tally + "; the rest offered", NowMs, cancellationToken).ConfigureAwait(false))
                    {
                        await OfferRestAsync(rollout, Worker, cancellationToken).ConfigureAwait(false);
                        changed++;
                    }

                    break;
            }
        }

        return changed;
    }

    /// <summary>An operator resumes a halted rollout: the rest is offered (the bundle is checked again first).</summary>
    public async Task<WaveCommandStatus> ResumeAsync(RolloutRecord rollout, ConsoleUser user, string address, CancellationToken cancellationToken)
    {
        WaveRecord? waves = await _offers.Waves.GetAsync(rollout.Id, cancellationToken).ConfigureAwait(false);
        if (waves?.State != WaveState.Halted || !_offers.Configured)
        {
            return WaveCommandStatus.NotAllowed;
        }

        if (!BundleStillVerifies(rollout, out string why))
        {
            return WaveCommandStatus.BundleRefused;
        }

        string actor = UpdateOffers.ConsoleActor(user, address);
        if (!await _offers.Waves.TryEnterAsync(rollout.Id, WaveState.Halted, WaveState.Completed, actor, "resumed by " + user.Name + "; the rest offered", NowMs, cancellationToken).ConfigureAwait(false))
        {
            return WaveCommandStatus.NotAllowed;
        }

        await _backend.Accounts.AppendAuditAsync(user.Name, "rollout.resume", "rollout " + rollout.Id, rollout.CustomerId, address, NowMs, cancellationToken).ConfigureAwait(false);
        await OfferRestAsync(rollout, actor, cancellationToken).ConfigureAwait(false);
        return WaveCommandStatus.Done;
    }

    /// <summary>An operator cancels a judging or halted rollout: the rest is never offered.</summary>
    public async Task<WaveCommandStatus> CancelAsync(RolloutRecord rollout, ConsoleUser user, string address, CancellationToken cancellationToken)
    {
        WaveRecord? waves = await _offers.Waves.GetAsync(rollout.Id, cancellationToken).ConfigureAwait(false);
        if (waves == null || !RolloutWaves.Allowed(waves.State, WaveState.Cancelled)
            || !await _offers.Waves.TryEnterAsync(rollout.Id, waves.State, WaveState.Cancelled, UpdateOffers.ConsoleActor(user, address), "cancelled by " + user.Name, NowMs, cancellationToken).ConfigureAwait(false))
        {
            return WaveCommandStatus.NotAllowed;
        }

        await _backend.Accounts.AppendAuditAsync(user.Name, "rollout.cancel", "rollout " + rollout.Id, rollout.CustomerId, address, NowMs, cancellationToken).ConfigureAwait(false);
        return WaveCommandStatus.Done;
    }

    private async Task<bool> HaltAsync(RolloutRecord rollout, string why, CancellationToken cancellationToken)
    {
        long now = NowMs;
        if (!await _offers.Waves.TryEnterAsync(rollout.Id, WaveState.Judging, WaveState.Halted, Worker, why, now, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // The rollout's tenant sees the alert on its feed; a staff rollout over several customers alerts staff.
        string customer = rollout.CustomerId ?? FailureBurstGuard.StaffCustomer;
        await _backend.Fleet.AddAlertAsync(new AlertRecord(0, customer, null, "rollout-halted", "console", "raised", 0, null, "rollout-halted|" + rollout.Id, now, now), cancellationToken).ConfigureAwait(false);
        await _backend.Accounts.AppendAuditAsync(Worker, "rollout.halted", "rollout " + rollout.Id + ": " + why, rollout.CustomerId, "-", now, cancellationToken).ConfigureAwait(false);
        _log.LogWarning("rollout {Rollout} halted: {Why}", rollout.Id, why);
        return true;
    }

    private async Task OfferRestAsync(RolloutRecord rollout, string actor, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> rest = await _offers.Waves.WaveAsync(rollout.Id, 2, cancellationToken).ConfigureAwait(false);
        await _offers.PublishAsync(rollout.Id, rollout.Bundle + " " + rollout.Product + " " + rollout.Version + " manifest " + rollout.ManifestSha256 + " (wave 2)",
            UpdateOffers.Payload(rollout.Url, rollout.ManifestSha256), rest, actor, rollout.Reason, cancellationToken).ConfigureAwait(false);
    }

    // Wave 2 offers what wave 1 was offered: the same folder must still verify now, with the same manifest digest.
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
    private readonly TimeSpan _interval;
    private readonly ILogger _log;

    public RolloutWaveWorker(RolloutWaveRunner runner, ConsoleOptions options, ILogger<RolloutWaveWorker> log)
    {
        _runner = runner;
        _interval = options.WaveInterval;
        _log = log;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_interval, stoppingToken).ConfigureAwait(false);
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
