using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;

namespace SecureDevice.WebConsole.Updates;

/// <summary>The state of a rollout (docs/console.md, "Rollouts and waves": the table is this enum's transitions).</summary>
public enum WaveState
{
    /// <summary>The current wave is recorded but not (all) published yet: the worker publishes it (retrying while the broker is away).</summary>
    Publishing,

    /// <summary>The current wave is published and not the last; the worker judges its devices' update outcomes until its deadline.</summary>
    Judging,

    /// <summary>A wave failed over the threshold (silent devices past the deadline count as failed), or the bundle stopped verifying: nothing more is published until an operator resumes or cancels.</summary>
    Halted,

    /// <summary>Every wave published.</summary>
    Completed,

    /// <summary>Stopped by an operator: the rest is never published.</summary>
    Cancelled,
}

/// <summary>One wave of a plan as written: a cumulative share of the target's devices (<c>10%</c>) or a cumulative count (<c>50</c>).</summary>
public readonly record struct WaveStep(int Value, bool Percent)
{
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture) + (Percent ? "%" : string.Empty);
}

/// <summary>
/// How a rollout is split into waves, each judged before the next is published (docs/console.md, "Rollouts and waves").
/// Built only by <see cref="TryCreate"/>, the one check the form and the API share.
/// </summary>
/// <param name="Steps">Cumulative targets, the last always 100 %.</param>
/// <param name="HaltPercent">A wave halts the rollout when more than this share of its devices failed (rejected, reverted, or silent past the deadline), 0..100.</param>
/// <param name="Timeout">How long the worker waits for a published wave's devices to answer; then the silent ones count as failed.</param>
public sealed record WavePlan(IReadOnlyList<WaveStep> Steps, int HaltPercent, TimeSpan Timeout)
{
    /// <summary>The default threshold: more than a fifth of a wave failing halts the rollout.</summary>
    public const int DefaultHaltPercent = 20;

    /// <summary>The default deadline per wave: 120 min (a device reports every 300 s; download, install and a confirming reboot fit many times over).</summary>
    public const int DefaultTimeoutMinutes = 120;

    public const int MinTimeoutMinutes = 1;

    /// <summary>At most 7 days per wave.</summary>
    public const int MaxTimeoutMinutes = 7 * 24 * 60;

    public const int MaxWaves = 10;

    /// <summary>Longest plan text accepted.</summary>
    public const int MaxTextLength = 64;

    /// <summary>One wave, everything at once (a device target, or a group offered without waves).</summary>
    public static readonly WavePlan AllAtOnce = new(new[] { new WaveStep(100, true) }, DefaultHaltPercent, TimeSpan.FromMinutes(DefaultTimeoutMinutes));

    /// <summary>The plan as stored and shown: <c>1%,10%,100%</c>.</summary>
    public string Text => string.Join(",", Steps.Select(s => s.ToString()));

    /// <summary>
    /// The plan of an offer form or API body: <paramref name="waves"/> (<c>1%,10%,50%,100%</c> or counts <c>5,50,100%</c>:
    /// cumulative, strictly increasing within percentages and within counts, percentages 1..100, counts
    /// 1..<see cref="UpdateOffers.MaxDevices"/>, at most <see cref="MaxWaves"/>, the last <c>100%</c>, no spaces) or the
    /// older <paramref name="firstWave"/> N (= <c>N,100%</c>), not both; neither: one wave. A device target takes no
    /// staging at all. False with the fields at fault in <paramref name="problems"/>.
    /// </summary>
    public static bool TryCreate(string? waves, int? firstWave, int? haltPercent, int? timeoutMinutes, bool device, List<string> problems, out WavePlan plan)
    {
        plan = AllAtOnce;
        int before = problems.Count;
        if (device && (waves != null || firstWave != null || haltPercent != null || timeoutMinutes != null))
        {
            problems.Add("waves apply to a group, not to one device");
        }

        if (waves != null && firstWave != null)
        {
            problems.Add("waves or firstWave, not both");
        }

        if (haltPercent is < 0 or > 100)
        {
            problems.Add("haltPercent");
        }

        if (timeoutMinutes is < MinTimeoutMinutes or > MaxTimeoutMinutes)
        {
            problems.Add("waveTimeoutMinutes");
        }

        if (firstWave is < 1 or > UpdateOffers.MaxDevices)
        {
            problems.Add("firstWave");
        }

        List<WaveStep>? steps = null;
        if (waves != null && (steps = Parse(waves)) == null)
        {
            problems.Add("waves");
        }

        if (problems.Count > before)
        {
            return false;
        }

        steps ??= firstWave is int n ? new List<WaveStep> { new(n, false), new(100, true) } : new List<WaveStep> { new(100, true) };
        plan = new WavePlan(steps, haltPercent ?? DefaultHaltPercent, TimeSpan.FromMinutes(timeoutMinutes ?? DefaultTimeoutMinutes));
        return true;
    }

    /// <summary>The waves' sizes for <paramref name="devices"/> devices (percentages rounded up, so 1 % of 50 is 1 device); a wave left empty is dropped, so a small group has fewer waves.</summary>
    public IReadOnlyList<int> Sizes(int devices)
    {
        var sizes = new List<int>();
        int reached = 0;
        foreach (WaveStep step in Steps)
        {
            int cumulative = step.Percent ? (int)(((long)step.Value * devices + 99) / 100) : Math.Min(step.Value, devices);
            if (cumulative > reached)
            {
                sizes.Add(cumulative - reached);
                reached = cumulative;
            }
        }

        return sizes;
    }

    private static List<WaveStep>? Parse(string text)
    {
        if (text.Length == 0 || text.Length > MaxTextLength)
        {
            return null;
        }

        string[] parts = text.Split(',');
        if (parts.Length > MaxWaves)
        {
            return null;
        }

        var steps = new List<WaveStep>();
        int lastPercent = 0, lastCount = 0;
        foreach (string part in parts)
        {
            bool percent = part.EndsWith('%');
            string digits = percent ? part[..^1] : part;
            if (digits.Length is 0 or > 5 || !digits.All(char.IsAsciiDigit) || digits[0] == '0')
            {
                return null;
            }

            int value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            if (percent ? value > 100 || value <= lastPercent : value > UpdateOffers.MaxDevices || value <= lastCount)
            {
                return null;
            }

            if (percent)
            {
                lastPercent = value;
            }
            else
            {
                lastCount = value;
            }

            steps.Add(new WaveStep(value, percent));
        }

        return steps[^1] == new WaveStep(100, true) ? steps : null;
    }
}

/// <summary>What the worker does with a judging wave.</summary>
public enum WaveDecision
{
    /// <summary>Devices of the wave have not all answered, the deadline has not passed, and the failures are within the threshold.</summary>
    Wait,

    /// <summary>Every device answered (or the deadline passed) and the failures are within the threshold: publish the next wave.</summary>
    Advance,

    /// <summary>More than the threshold failed (decided as soon as it is certain): publish nothing more.</summary>
    Halt,
}

/// <summary>The pure rules of rollouts: the transition table and the wave judgement.</summary>
public static class RolloutWaves
{
    /// <summary>The legal transitions, in the order docs/console.md lists them; anything else is refused.</summary>
    public static readonly IReadOnlyList<(WaveState From, WaveState To, string Why)> Transitions = new[]
    {
        (WaveState.Publishing, WaveState.Judging, "worker: every device of the wave (not the last) has the broker's answer"),
        (WaveState.Publishing, WaveState.Completed, "worker: the last wave published"),
        (WaveState.Publishing, WaveState.Halted, "worker: the bundle no longer verifies, or its manifest changed, before a wave"),
        (WaveState.Publishing, WaveState.Cancelled, "operator cancels (the pass stops within 100 devices)"),
        (WaveState.Judging, WaveState.Publishing, "worker: every device answered, or the deadline passed, and the failures are within the threshold: the next wave"),
        (WaveState.Judging, WaveState.Halted, "worker: failures over the threshold (after the deadline, silent devices count as failed)"),
        (WaveState.Judging, WaveState.Cancelled, "operator cancels"),
        (WaveState.Halted, WaveState.Publishing, "operator resumes: the next wave (or the rest of an unpublished one) is published and judged like any"),
        (WaveState.Halted, WaveState.Cancelled, "operator cancels"),
    };

    public static bool Allowed(WaveState from, WaveState to) => Transitions.Any(t => t.From == from && t.To == to);

    /// <summary>
    /// Judges a wave of <paramref name="size"/> devices: a device succeeded when its newest update event says
    /// <c>confirmed</c>, failed when it says <c>rejected:…</c> or <c>reverted:…</c>. Once <paramref name="deadlinePassed"/>,
    /// every device without an answer counts as failed too. Halt as soon as the failures are more than
    /// <paramref name="haltPercent"/> % of the wave (integer arithmetic, no rounding); advance when all answered or the
    /// deadline passed; else wait.
    /// </summary>
    public static WaveDecision Judge(int size, int succeeded, int failed, int haltPercent, bool deadlinePassed)
    {
        long counted = deadlinePassed ? size - succeeded : failed;
        if (counted * 100 > (long)haltPercent * size)
        {
            return WaveDecision.Halt;
        }

        return deadlinePassed || succeeded + failed >= size ? WaveDecision.Advance : WaveDecision.Wait;
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

/// <summary>A rollout's stored state (<see cref="ConsoleWavesSchema.Waves"/>, steps 7 and 9).</summary>
/// <param name="FirstWave">Devices in wave 1.</param>
/// <param name="ChangedMs">When the state last changed: for <see cref="WaveState.Judging"/>, when the wave's publication ended (its deadline counts from there).</param>
/// <param name="Plan">The waves as written (<c>1%,10%,100%</c>); empty for a row of step 7 (two waves).</param>
/// <param name="CurrentWave">The wave being published or judged, 1..<paramref name="WaveCount"/>.</param>
public sealed record WaveRecord(long RolloutId, int FirstWave, int HaltPercent, WaveState State, long ChangedMs, string ChangedBy, string Detail,
    string Plan, int WaveCount, int CurrentWave, long TimeoutMs)
{
    /// <summary>When a judging wave's silent devices start counting as failed.</summary>
    public long DeadlineMs => ChangedMs + TimeoutMs;

    /// <summary>More than one wave.</summary>
    public bool Staged => WaveCount > 1;
}

/// <summary>The plan and the state of rollouts (schema steps 7 and 9). Parameters only; state changes compare-and-set.</summary>
public sealed class RolloutWaveStore
{
    private const string Columns = "rollout_id, first_wave, halt_percent, state, changed_ms, changed_by, detail, plan, wave_count, current_wave, wave_timeout_ms";

    private readonly SqlDialect _dialect;

    public RolloutWaveStore(SqlDialect dialect) => _dialect = dialect;

    /// <summary>Records the plan (each device's wave, 1-based in <paramref name="waves"/>' order) and the state <see cref="WaveState.Publishing"/> of wave 1.</summary>
    public async Task AddAsync(long rolloutId, WavePlan plan, IReadOnlyList<IReadOnlyList<string>> waves, long nowMs, string actor, CancellationToken cancellationToken)
    {
        for (int wave = 0; wave < waves.Count; wave++)
        {
            foreach (string device in waves[wave])
            {
                await new SqlQuery().Parameter("@r", rolloutId).Parameter("@d", device).Parameter("@w", (long)wave + 1)
                    .ScalarAsync(_dialect, $"INSERT INTO {ConsoleWavesSchema.Plan} (rollout_id, device_id, wave) VALUES (@r, @d, @w) RETURNING wave", cancellationToken).ConfigureAwait(false);
            }
        }

        await new SqlQuery().Parameter("@r", rolloutId).Parameter("@n", (long)waves[0].Count).Parameter("@p", (long)plan.HaltPercent)
            .Parameter("@s", RolloutWaves.Name(WaveState.Publishing)).Parameter("@at", nowMs).Parameter("@by", actor)
            .Parameter("@det", "recorded: " + string.Join(" + ", waves.Select(w => w.Count)) + " device(s) in " + waves.Count + " wave(s); wave 1 is published by the worker")
            .Parameter("@plan", plan.Text).Parameter("@count", (long)waves.Count).Parameter("@timeout", (long)plan.Timeout.TotalMilliseconds)
            .ScalarAsync(_dialect, $"INSERT INTO {ConsoleWavesSchema.Waves} (rollout_id, first_wave, halt_percent, state, changed_ms, changed_by, detail, plan, wave_count, current_wave, wave_timeout_ms, lease_until_ms) "
                + "VALUES (@r, @n, @p, @s, @at, @by, @det, @plan, @count, 1, @timeout, 0) RETURNING rollout_id", cancellationToken).ConfigureAwait(false);
    }

    public async Task<WaveRecord?> GetAsync(long rolloutId, CancellationToken cancellationToken) =>
        (await new SqlQuery().Where("rollout_id = @r", "@r", rolloutId).ReadAsync(_dialect,
            $"SELECT {Columns} FROM {ConsoleWavesSchema.Waves} WHERE rollout_id = @r", Read, cancellationToken).ConfigureAwait(false))
        .SingleOrDefault();

    /// <summary>Rollouts in <paramref name="state"/>, oldest first.</summary>
    public Task<IReadOnlyList<WaveRecord>> ListAsync(WaveState state, int limit, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@s", RolloutWaves.Name(state)).Parameter("@limit", (long)limit).ReadAsync(_dialect,
            $"SELECT {Columns} FROM {ConsoleWavesSchema.Waves} WHERE state = @s ORDER BY rollout_id LIMIT @limit", Read, cancellationToken);

    /// <summary>The devices of one wave, in id order.</summary>
    public Task<IReadOnlyList<string>> WaveAsync(long rolloutId, int wave, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@r", rolloutId).Parameter("@w", (long)wave).ReadAsync(_dialect,
            $"SELECT device_id FROM {ConsoleWavesSchema.Plan} WHERE rollout_id = @r AND wave = @w ORDER BY device_id", r => r.GetString(0), cancellationToken);

    /// <summary>Devices of waves 1..<paramref name="wave"/> without the broker's answer recorded yet (wave, then id order).</summary>
    public Task<IReadOnlyList<string>> UnpublishedAsync(long rolloutId, int wave, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@r", rolloutId).Parameter("@w", (long)wave).ReadAsync(_dialect,
            $"SELECT p.device_id FROM {ConsoleWavesSchema.Plan} p WHERE p.rollout_id = @r AND p.wave <= @w "
            + $"AND NOT EXISTS (SELECT 1 FROM {ConsoleOpsSchema.RolloutDevices} d WHERE d.rollout_id = @r AND d.device_id = p.device_id) ORDER BY p.wave, p.device_id",
            r => r.GetString(0), cancellationToken);

    /// <summary>
    /// Claims (or renews) the publishing pass of a rollout until <paramref name="untilMs"/>: true only while it is
    /// <see cref="WaveState.Publishing"/> and nobody else's claim runs (<paramref name="renew"/>: this pass holds it
    /// already). So two instances never publish the same wave, and a cancel stops a pass at its next renewal.
    /// </summary>
    public async Task<bool> TryClaimAsync(long rolloutId, long nowMs, long untilMs, bool renew, CancellationToken cancellationToken) =>
        (await new SqlQuery().Parameter("@r", rolloutId).Parameter("@s", RolloutWaves.Name(WaveState.Publishing)).Parameter("@now", nowMs).Parameter("@until", untilMs)
            .ReadAsync(_dialect, $"UPDATE {ConsoleWavesSchema.Waves} SET lease_until_ms = @until WHERE rollout_id = @r AND state = @s"
                + (renew ? string.Empty : " AND lease_until_ms <= @now") + " RETURNING rollout_id", r => r.GetInt64(0), cancellationToken).ConfigureAwait(false)).Count == 1;

    /// <summary>A publishing pass that must stop (the broker is away) says why and gives its claim up; the state stays.</summary>
    public Task NoteAsync(long rolloutId, string detail, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@r", rolloutId).Parameter("@s", RolloutWaves.Name(WaveState.Publishing)).Parameter("@det", detail)
            .ReadAsync(_dialect, $"UPDATE {ConsoleWavesSchema.Waves} SET detail = @det, lease_until_ms = 0 WHERE rollout_id = @r AND state = @s RETURNING rollout_id", r => r.GetInt64(0), cancellationToken);

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

    /// <summary>
    /// Moves the rollout from <paramref name="from"/> to <paramref name="to"/> at wave <paramref name="wave"/> if it is
    /// still in <paramref name="from"/>; false otherwise (someone else moved it). Any publishing claim ends.
    /// </summary>
    /// <exception cref="InvalidOperationException">A transition the table does not allow (a bug).</exception>
    public async Task<bool> TryEnterAsync(long rolloutId, WaveState from, WaveState to, int wave, string by, string detail, long nowMs, CancellationToken cancellationToken)
    {
        if (!RolloutWaves.Allowed(from, to))
        {
            throw new InvalidOperationException("illegal rollout transition " + from + " -> " + to);
        }

        IReadOnlyList<long> moved = await new SqlQuery().Parameter("@r", rolloutId).Parameter("@from", RolloutWaves.Name(from)).Parameter("@to", RolloutWaves.Name(to))
            .Parameter("@at", nowMs).Parameter("@by", by).Parameter("@det", detail).Parameter("@w", (long)wave)
            .ReadAsync(_dialect, $"UPDATE {ConsoleWavesSchema.Waves} SET state = @to, changed_ms = @at, changed_by = @by, detail = @det, current_wave = @w, lease_until_ms = 0 "
                + "WHERE rollout_id = @r AND state = @from RETURNING rollout_id", r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return moved.Count == 1;
    }

    private static WaveRecord Read(System.Data.Common.DbDataReader r) => new(r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2),
        RolloutWaves.TryParse(r.GetString(3), out WaveState state) ? state : WaveState.Halted, r.GetInt64(4), r.GetString(5), r.GetString(6),
        r.GetString(7), (int)r.GetInt64(8), (int)r.GetInt64(9), r.GetInt64(10));
}
