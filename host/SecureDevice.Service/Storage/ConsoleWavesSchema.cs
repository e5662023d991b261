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
}
