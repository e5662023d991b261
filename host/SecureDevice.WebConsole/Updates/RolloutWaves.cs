using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;

namespace SecureDevice.WebConsole.Updates;

/// <summary>The state of a staged rollout (docs/console.md, "Staged rollouts": the table is this enum's transitions).</summary>
public enum WaveState
{
    /// <summary>Wave 1 offered; the worker judges its devices' update outcomes.</summary>
    Judging,

    /// <summary>Wave 1 failed over the threshold (or the bundle stopped verifying): nothing more is offered until an operator resumes or cancels.</summary>
    Halted,

    /// <summary>Every wave offered (advanced by the worker, or resumed by an operator).</summary>
    Completed,

    /// <summary>Stopped by an operator: the rest is never offered.</summary>
    Cancelled,
}

/// <summary>How a group rollout is staged: the first <see cref="FirstWave"/> devices, then the rest.</summary>
/// <param name="FirstWave">Devices in wave 1 (1..10,000); a group no larger is offered at once.</param>
/// <param name="HaltPercent">Wave 1 halts when more than this share of its devices failed (rejected or reverted), 0..100.</param>
public sealed record WavePlan(int FirstWave, int HaltPercent)
{
    /// <summary>The default threshold: more than a fifth of the first wave failing halts the rollout.</summary>
    public const int DefaultHaltPercent = 20;

    /// <summary>From a form or API body (ranges checked there): no first wave, no staging.</summary>
    public static WavePlan? From(int? firstWave, int? haltPercent) => firstWave is int n ? new WavePlan(n, haltPercent ?? DefaultHaltPercent) : null;
}

/// <summary>What the worker does with a judging rollout.</summary>
public enum WaveDecision
{
    /// <summary>Devices of wave 1 have not all answered yet, and the failures are within the threshold.</summary>
    Wait,

    /// <summary>Every wave-1 device answered and the failures are within the threshold: offer the rest.</summary>
    Advance,

    /// <summary>More than the threshold failed (decided as soon as it is certain): offer nothing more.</summary>
    Halt,
}

/// <summary>The pure rules of staged rollouts: the transition table and the wave judgement.</summary>
public static class RolloutWaves
{
    /// <summary>The legal transitions, in the order docs/console.md lists them; anything else is refused.</summary>
    public static readonly IReadOnlyList<(WaveState From, WaveState To, string Why)> Transitions = new[]
    {
        (WaveState.Judging, WaveState.Completed, "worker: every wave-1 device answered, failures within the threshold; the rest is offered"),
        (WaveState.Judging, WaveState.Halted, "worker: failures over the threshold, or the bundle no longer verifies"),
        (WaveState.Judging, WaveState.Cancelled, "operator cancels"),
        (WaveState.Halted, WaveState.Completed, "operator resumes: the rest is offered"),
        (WaveState.Halted, WaveState.Cancelled, "operator cancels"),
    };

    public static bool Allowed(WaveState from, WaveState to) => Transitions.Any(t => t.From == from && t.To == to);

    /// <summary>
    /// Judges wave 1 (<paramref name="size"/> devices): a device succeeded when its newest update event says
    /// <c>confirmed</c>, failed when it says <c>rejected:…</c> or <c>reverted:…</c>. Halt as soon as the failures are more
    /// than <paramref name="haltPercent"/> % of the wave (integer arithmetic, no rounding), advance when all answered.
    /// </summary>
    public static WaveDecision Judge(int size, int succeeded, int failed, int haltPercent)
    {
        if ((long)failed * 100 > (long)haltPercent * size)
        {
            return WaveDecision.Halt;
        }

        return succeeded + failed >= size ? WaveDecision.Advance : WaveDecision.Wait;
    }

    /// <summary>Success (true), failure (false) or no answer yet (null) from an update event's outcome.</summary>
    public static bool? Outcome(string? outcome) =>
        outcome == "confirmed" ? true
        : outcome != null && (outcome.StartsWith("rejected:", StringComparison.Ordinal) || outcome.StartsWith("reverted:", StringComparison.Ordinal)) ? false
        : null;

    public static string Name(WaveState state) => state.ToString().ToLowerInvariant();

    /// <summary>The stored name back to the state; an unknown name is false (the reader then fails closed: halted).</summary>
    public static bool TryParse(string text, out WaveState state)
    {
        foreach (WaveState candidate in Enum.GetValues<WaveState>())
        {
            if (Name(candidate) == text)
            {
                state = candidate;
                return true;
            }
        }

        state = WaveState.Halted;
        return false;
    }
}

/// <summary>A staged rollout's stored state (<see cref="ConsoleWavesSchema.Waves"/>).</summary>
public sealed record WaveRecord(long RolloutId, int FirstWave, int HaltPercent, WaveState State, long ChangedMs, string ChangedBy, string Detail);

/// <summary>The plan and the state of staged rollouts (schema step 7). Parameters only; state changes compare-and-set.</summary>
public sealed class RolloutWaveStore
{
    private readonly SqlDialect _dialect;

    public RolloutWaveStore(SqlDialect dialect) => _dialect = dialect;

    /// <summary>Records the plan (wave 1 then wave 2) and the state <see cref="WaveState.Judging"/>.</summary>
    public async Task AddAsync(long rolloutId, WavePlan plan, IReadOnlyList<string> firstWave, IReadOnlyList<string> rest, long nowMs, string actor, CancellationToken cancellationToken)
    {
        foreach ((IReadOnlyList<string> devices, long wave) in new[] { (firstWave, 1L), (rest, 2L) })
        {
            foreach (string device in devices)
            {
                await new SqlQuery().Parameter("@r", rolloutId).Parameter("@d", device).Parameter("@w", wave)
                    .ScalarAsync(_dialect, $"INSERT INTO {ConsoleWavesSchema.Plan} (rollout_id, device_id, wave) VALUES (@r, @d, @w) RETURNING wave", cancellationToken).ConfigureAwait(false);
            }
        }

        await new SqlQuery().Parameter("@r", rolloutId).Parameter("@n", (long)plan.FirstWave).Parameter("@p", (long)plan.HaltPercent)
            .Parameter("@s", RolloutWaves.Name(WaveState.Judging)).Parameter("@at", nowMs).Parameter("@by", actor)
            .Parameter("@det", "wave 1: " + firstWave.Count + " device(s) offered; " + rest.Count + " waiting")
            .ScalarAsync(_dialect, $"INSERT INTO {ConsoleWavesSchema.Waves} (rollout_id, first_wave, halt_percent, state, changed_ms, changed_by, detail) "
                + "VALUES (@r, @n, @p, @s, @at, @by, @det) RETURNING rollout_id", cancellationToken).ConfigureAwait(false);
    }

    public async Task<WaveRecord?> GetAsync(long rolloutId, CancellationToken cancellationToken) =>
        (await new SqlQuery().Where("rollout_id = @r", "@r", rolloutId).ReadAsync(_dialect,
            $"SELECT rollout_id, first_wave, halt_percent, state, changed_ms, changed_by, detail FROM {ConsoleWavesSchema.Waves} WHERE rollout_id = @r", Read, cancellationToken).ConfigureAwait(false))
        .SingleOrDefault();

    /// <summary>Rollouts in <paramref name="state"/>, oldest first.</summary>
    public Task<IReadOnlyList<WaveRecord>> ListAsync(WaveState state, int limit, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@s", RolloutWaves.Name(state)).Parameter("@limit", (long)limit).ReadAsync(_dialect,
            $"SELECT rollout_id, first_wave, halt_percent, state, changed_ms, changed_by, detail FROM {ConsoleWavesSchema.Waves} WHERE state = @s ORDER BY rollout_id LIMIT @limit", Read, cancellationToken);

    /// <summary>The devices of one wave, in id order.</summary>
    public Task<IReadOnlyList<string>> WaveAsync(long rolloutId, int wave, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@r", rolloutId).Parameter("@w", (long)wave).ReadAsync(_dialect,
            $"SELECT device_id FROM {ConsoleWavesSchema.Plan} WHERE rollout_id = @r AND wave = @w ORDER BY device_id", r => r.GetString(0), cancellationToken);

    /// <summary>
    /// The newest update event's payload per device of wave <paramref name="wave"/> since <paramref name="sinceMs"/>
    /// (device text: only parsed, never trusted).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> NewestUpdateEventsAsync(long rolloutId, int wave, long sinceMs, CancellationToken cancellationToken)
    {
        IReadOnlyList<(string Device, string Payload)> rows = await new SqlQuery().Parameter("@r", rolloutId).Parameter("@w", (long)wave).Parameter("@from", sinceMs)
            .ReadAsync(_dialect, $"SELECT d.device_id, e.payload FROM {Tables.Events} e JOIN {Tables.Devices} d ON d.id = e.device_ref "
                + $"WHERE d.device_id IN (SELECT device_id FROM {ConsoleWavesSchema.Plan} WHERE rollout_id = @r AND wave = @w) AND e.received_ms >= @from AND e.kind = 'update' "
                + "ORDER BY e.received_ms DESC, e.id DESC LIMIT 100000", r => (r.GetString(0), r.GetString(1)), cancellationToken).ConfigureAwait(false);
        var newest = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string device, string payload) in rows)
        {
            newest.TryAdd(device, payload);
        }

        return newest;
    }

    /// <summary>Moves the rollout from <paramref name="from"/> to <paramref name="to"/> if it is still in <paramref name="from"/>; false otherwise (someone else moved it).</summary>
    /// <exception cref="InvalidOperationException">A transition the table does not allow (a bug).</exception>
    public async Task<bool> TryEnterAsync(long rolloutId, WaveState from, WaveState to, string by, string detail, long nowMs, CancellationToken cancellationToken)
    {
        if (!RolloutWaves.Allowed(from, to))
        {
            throw new InvalidOperationException("illegal rollout transition " + from + " -> " + to);
        }

        IReadOnlyList<long> moved = await new SqlQuery().Parameter("@r", rolloutId).Parameter("@from", RolloutWaves.Name(from)).Parameter("@to", RolloutWaves.Name(to))
            .Parameter("@at", nowMs).Parameter("@by", by).Parameter("@det", detail)
            .ReadAsync(_dialect, $"UPDATE {ConsoleWavesSchema.Waves} SET state = @to, changed_ms = @at, changed_by = @by, detail = @det WHERE rollout_id = @r AND state = @from RETURNING rollout_id",
                r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return moved.Count == 1;
    }

    private static WaveRecord Read(System.Data.Common.DbDataReader r) => new(r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2),
        RolloutWaves.TryParse(r.GetString(3), out WaveState state) ? state : WaveState.Halted, r.GetInt64(4), r.GetString(5), r.GetString(6));
}
