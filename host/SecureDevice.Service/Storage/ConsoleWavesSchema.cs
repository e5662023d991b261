using System.Collections.Generic;

namespace SecureDevice.Service.Storage;

/// <summary>
/// Staged rollouts (schema step 7; docs/console.md, "Staged rollouts"): a rollout to a group in two waves keeps its plan
/// (which device is in which wave; append-only) and one state row (judging, halted, completed, cancelled), changed only
/// by compare-and-set from the state the changer read, so two console instances never both advance or both halt it.
/// </summary>
public static class ConsoleWavesSchema
{
    public const string Waves = "update_rollout_waves";
    public const string Plan = "update_rollout_plan";

    public static IReadOnlyList<string> Statements(SqlDialect dialect) => new[]
    {
        $@"CREATE TABLE {Waves} (
            rollout_id {{int}} PRIMARY KEY REFERENCES {ConsoleOpsSchema.Rollouts} (id),
            first_wave {{int}} NOT NULL,
            halt_percent {{int}} NOT NULL,
            state TEXT NOT NULL,
            changed_ms {{int}} NOT NULL,
            changed_by TEXT NOT NULL,
            detail TEXT NOT NULL)",
        $"CREATE INDEX ix_update_rollout_waves_state ON {Waves} (state)",
        $@"CREATE TABLE {Plan} (
            rollout_id {{int}} NOT NULL REFERENCES {ConsoleOpsSchema.Rollouts} (id),
            device_id TEXT NOT NULL,
            wave {{int}} NOT NULL,
            PRIMARY KEY (rollout_id, device_id))",
        dialect.AppendOnlyTrigger(Plan),
    };

    /// <summary>
    /// Step 9: any number of waves (counts or percentages), a deadline per wave, and publication by the worker. Every
    /// offer now has a state row (an unstaged one is one wave). <c>plan</c>: the waves as the operator wrote them
    /// (<c>1%,10%,100%</c>); <c>wave_count</c>, <c>current_wave</c> (1-based); <c>wave_timeout_ms</c>: how long the
    /// worker waits for a published wave's devices to answer, from <c>changed_ms</c> of the <c>judging</c> state;
    /// <c>lease_until_ms</c>: the publishing pass's claim (two instances never publish the same wave). Rows of step 7
    /// were two waves judged without a deadline: they get the default one from now on.
    /// </summary>
    public static IReadOnlyList<string> StageStatements(SqlDialect dialect) => new[]
    {
        $"ALTER TABLE {Waves} ADD COLUMN plan TEXT NOT NULL DEFAULT ''",
        $"ALTER TABLE {Waves} ADD COLUMN wave_count {{int}} NOT NULL DEFAULT 2",
        $"ALTER TABLE {Waves} ADD COLUMN current_wave {{int}} NOT NULL DEFAULT 1",
        $"ALTER TABLE {Waves} ADD COLUMN wave_timeout_ms {{int}} NOT NULL DEFAULT {DefaultWaveTimeoutMs}",
        $"ALTER TABLE {Waves} ADD COLUMN lease_until_ms {{int}} NOT NULL DEFAULT 0",
    };

    /// <summary>
    /// Step 10: a publication the broker asked to retry waits under backoff (docs/console.md, "Publishing").
    /// <c>retry_attempts</c>: consecutive passes that stopped on a retried answer (0: none); <c>retry_at_ms</c>: no pass
    /// before this; <c>retry_since_ms</c>: when the first of them stopped (the retry limit counts from there). All reset
    /// by every state change.
    /// </summary>
    public static IReadOnlyList<string> RetryStatements(SqlDialect dialect) => new[]
    {
        $"ALTER TABLE {Waves} ADD COLUMN retry_attempts {{int}} NOT NULL DEFAULT 0",
        $"ALTER TABLE {Waves} ADD COLUMN retry_at_ms {{int}} NOT NULL DEFAULT 0",
        $"ALTER TABLE {Waves} ADD COLUMN retry_since_ms {{int}} NOT NULL DEFAULT 0",
        $"CREATE INDEX ix_update_rollout_waves_due ON {Waves} (state, retry_at_ms, rollout_id)",
    };

    /// <summary>The deadline given to rows of step 7: 2 hours (the console's documented default).</summary>
    public const long DefaultWaveTimeoutMs = 2 * 3600 * 1000;
}
