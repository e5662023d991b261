using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Queries;

namespace SecureDevice.WebConsole.Updates;

/// <summary>A rollout's stored state (<see cref="ConsoleWavesSchema.Waves"/>, steps 7, 9 and 10).</summary>
/// <param name="FirstWave">Devices in wave 1.</param>
/// <param name="ChangedMs">When the state last changed: for <see cref="WaveState.Judging"/>, when the wave's publication ended (its deadline counts from there).</param>
/// <param name="Plan">The waves as written (<c>1%,10%,100%</c>); empty for a row of step 7 (two waves).</param>
/// <param name="CurrentWave">The wave being published or judged, 1..<paramref name="WaveCount"/>.</param>
/// <param name="RetryAttempts">Consecutive publishing passes stopped by an answer to retry (0: none).</param>
/// <param name="RetryAtMs">No publishing pass before this (backoff).</param>
/// <param name="RetrySinceMs">When the first of those passes stopped (the retry limit counts from there).</param>
public sealed record WaveRecord(long RolloutId, int FirstWave, int HaltPercent, WaveState State, long ChangedMs, string ChangedBy, string Detail,
    string Plan, int WaveCount, int CurrentWave, long TimeoutMs, int RetryAttempts = 0, long RetryAtMs = 0, long RetrySinceMs = 0)
{
    /// <summary>When a judging wave's silent devices start counting as failed.</summary>
    public long DeadlineMs => ChangedMs + TimeoutMs;

    /// <summary>More than one wave.</summary>
    public bool Staged => WaveCount > 1;

    /// <summary>The wave being published or judged is the last.</summary>
    public bool LastWave => CurrentWave >= WaveCount;
}

/// <summary>The plan and the state of rollouts (schema steps 7, 9 and 10). Parameters only; state changes compare-and-set.</summary>
public sealed class RolloutWaveStore
{
    /// <summary>Plan rows per INSERT statement: 2 parameters each, far below SQLite's 32,766 and PostgreSQL's 65,535.</summary>
    public const int PlanRowsPerStatement = 500;

    private const string Columns = "rollout_id, first_wave, halt_percent, state, changed_ms, changed_by, detail, plan, wave_count, current_wave, wave_timeout_ms, "
        + "retry_attempts, retry_at_ms, retry_since_ms";

    private readonly SqlDialect _dialect;

    public RolloutWaveStore(SqlDialect dialect) => _dialect = dialect;

    /// <summary>
    /// Records an offer in one transaction: the rollout (<see cref="ConsoleOpsSchema.Rollouts"/>), each device's wave
    /// (1-based in <paramref name="waves"/>' order; multi-row parameterised INSERTs of <see cref="PlanRowsPerStatement"/>
    /// rows) and the state <see cref="WaveState.Publishing"/> of wave 1. Any failure rolls all of it back: never a rollout
    /// without its plan, never half a plan. Returns the rollout's id.
    /// </summary>
    public async Task<long> AddAsync(RolloutRecord rollout, WavePlan plan, IReadOnlyList<IReadOnlyList<string>> waves, long nowMs, string actor, CancellationToken cancellationToken)
    {
        await using DbConnection connection = await _dialect.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using DbTransaction transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long id = await RolloutStore.AddAsync(rollout, connection, transaction, cancellationToken).ConfigureAwait(false);
        var rows = new List<(string Device, long Wave)>(PlanRowsPerStatement);
        for (int wave = 0; wave < waves.Count; wave++)
        {
            foreach (string device in waves[wave])
            {
                rows.Add((device, wave + 1));
                if (rows.Count == PlanRowsPerStatement)
                {
                    await InsertPlanAsync(connection, transaction, id, rows, cancellationToken).ConfigureAwait(false);
                    rows.Clear();
                }
            }
        }

        if (rows.Count > 0)
        {
            await InsertPlanAsync(connection, transaction, id, rows, cancellationToken).ConfigureAwait(false);
        }

        await new SqlQuery().Parameter("@r", id).Parameter("@n", (long)waves[0].Count).Parameter("@p", (long)plan.HaltPercent)
            .Parameter("@s", RolloutWaves.Name(WaveState.Publishing)).Parameter("@at", nowMs).Parameter("@by", actor)
            .Parameter("@det", "recorded: " + string.Join(" + ", waves.Select(w => w.Count)) + " device(s) in " + waves.Count + " wave(s); wave 1 is published by the worker")
            .Parameter("@plan", plan.Text).Parameter("@count", (long)waves.Count).Parameter("@timeout", (long)plan.Timeout.TotalMilliseconds)
            .ScalarAsync(connection, transaction, $"INSERT INTO {ConsoleWavesSchema.Waves} (rollout_id, first_wave, halt_percent, state, changed_ms, changed_by, detail, plan, wave_count, current_wave, wave_timeout_ms, lease_until_ms) "
                + "VALUES (@r, @n, @p, @s, @at, @by, @det, @plan, @count, 1, @timeout, 0) RETURNING rollout_id", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }

    // One statement for up to PlanRowsPerStatement rows: the text is built from constant fragments and parameter names
    // only (@d0, @w0, …); every device id travels as a parameter.
    private static Task<int> InsertPlanAsync(DbConnection connection, DbTransaction transaction, long rolloutId, List<(string Device, long Wave)> rows, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"INSERT INTO {ConsoleWavesSchema.Plan} (rollout_id, device_id, wave) VALUES ");
        SqlQuery query = new SqlQuery().Parameter("@r", rolloutId);
        for (int i = 0; i < rows.Count; i++)
        {
            string n = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "(@r, @d" : ", (@r, @d").Append(n).Append(", @w").Append(n).Append(')');
            query.Parameter("@d" + n, rows[i].Device).Parameter("@w" + n, rows[i].Wave);
        }

        return query.ExecuteAsync(connection, transaction, sql.ToString(), cancellationToken);
    }

    public async Task<WaveRecord?> GetAsync(long rolloutId, CancellationToken cancellationToken) =>
        (await new SqlQuery().Where("rollout_id = @r", "@r", rolloutId).ReadAsync(_dialect,
            $"SELECT {Columns} FROM {ConsoleWavesSchema.Waves} WHERE rollout_id = @r", Read, cancellationToken).ConfigureAwait(false))
        .SingleOrDefault();

    /// <summary>
    /// One page of the rollouts in <paramref name="state"/> that are due at <paramref name="nowMs"/> (no retry wait
    /// pending), with ids above <paramref name="afterId"/>, in id order: the worker pages through all of them with the
    /// last id of each page (keyset), so every due rollout is visited every pass however many there are.
    /// </summary>
    public Task<IReadOnlyList<WaveRecord>> ListDueAsync(WaveState state, long afterId, int limit, long nowMs, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@s", RolloutWaves.Name(state)).Parameter("@after", afterId).Parameter("@now", nowMs).Parameter("@limit", (long)limit).ReadAsync(_dialect,
            $"SELECT {Columns} FROM {ConsoleWavesSchema.Waves} WHERE state = @s AND retry_at_ms <= @now AND rollout_id > @after ORDER BY rollout_id LIMIT @limit", Read, cancellationToken);

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

    /// <summary>Devices of wave <paramref name="wave"/> whose offer was refused for good (recorded <c>failed</c>): the judge counts them as failed.</summary>
    public async Task<IReadOnlySet<string>> RefusedAsync(long rolloutId, int wave, CancellationToken cancellationToken) =>
        (await new SqlQuery().Parameter("@r", rolloutId).Parameter("@w", (long)wave).ReadAsync(_dialect,
            $"SELECT p.device_id FROM {ConsoleWavesSchema.Plan} p JOIN {ConsoleOpsSchema.RolloutDevices} d ON d.rollout_id = p.rollout_id AND d.device_id = p.device_id "
            + "WHERE p.rollout_id = @r AND p.wave = @w AND d.outcome = 'failed'", r => r.GetString(0), cancellationToken).ConfigureAwait(false))
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Claims (or renews) the publishing pass of a rollout until <paramref name="untilMs"/>: true only while it is
    /// <see cref="WaveState.Publishing"/> and nobody else's claim runs (<paramref name="renew"/>: this pass holds it
    /// already). So two instances never publish the same wave, and a cancel stops a pass at its next renewal.
    /// </summary>
    public async Task<bool> TryClaimAsync(long rolloutId, long nowMs, long untilMs, bool renew, CancellationToken cancellationToken) =>
        (await new SqlQuery().Parameter("@r", rolloutId).Parameter("@s", RolloutWaves.Name(WaveState.Publishing)).Parameter("@now", nowMs).Parameter("@until", untilMs)
            .ReadAsync(_dialect, $"UPDATE {ConsoleWavesSchema.Waves} SET lease_until_ms = @until WHERE rollout_id = @r AND state = @s"
                + (renew ? string.Empty : " AND lease_until_ms <= @now") + " RETURNING rollout_id", r => r.GetInt64(0), cancellationToken).ConfigureAwait(false)).Count == 1;

    /// <summary>
    /// A publishing pass that must stop (the broker asked to retry) says why, gives its claim up and waits: attempt
    /// <paramref name="attempts"/>, no pass before <paramref name="retryAtMs"/>, retrying since <paramref name="sinceMs"/>.
    /// The state stays.
    /// </summary>
    public Task RetryLaterAsync(long rolloutId, string detail, int attempts, long retryAtMs, long sinceMs, CancellationToken cancellationToken) =>
        new SqlQuery().Parameter("@r", rolloutId).Parameter("@s", RolloutWaves.Name(WaveState.Publishing)).Parameter("@det", detail)
            .Parameter("@n", (long)attempts).Parameter("@at", retryAtMs).Parameter("@since", sinceMs)
            .ReadAsync(_dialect, $"UPDATE {ConsoleWavesSchema.Waves} SET detail = @det, lease_until_ms = 0, retry_attempts = @n, retry_at_ms = @at, retry_since_ms = @since "
                + "WHERE rollout_id = @r AND state = @s RETURNING rollout_id", r => r.GetInt64(0), cancellationToken);

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
    /// still in <paramref name="from"/>; false otherwise (someone else moved it). Any publishing claim and retry wait end.
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
            .ReadAsync(_dialect, $"UPDATE {ConsoleWavesSchema.Waves} SET state = @to, changed_ms = @at, changed_by = @by, detail = @det, current_wave = @w, lease_until_ms = 0, "
                + "retry_attempts = 0, retry_at_ms = 0, retry_since_ms = 0 WHERE rollout_id = @r AND state = @from RETURNING rollout_id", r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        return moved.Count == 1;
    }

    private static WaveRecord Read(DbDataReader r) => new(r.GetInt64(0), (int)r.GetInt64(1), (int)r.GetInt64(2),
        RolloutWaves.TryParse(r.GetString(3), out WaveState state) ? state : WaveState.Halted, r.GetInt64(4), r.GetString(5), r.GetString(6),
        r.GetString(7), (int)r.GetInt64(8), (int)r.GetInt64(9), r.GetInt64(10), (int)r.GetInt64(11), r.GetInt64(12), r.GetInt64(13));
}
