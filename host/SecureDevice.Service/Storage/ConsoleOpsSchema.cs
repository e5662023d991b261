using System.Collections.Generic;

namespace SecureDevice.Service.Storage;

/// <summary>
/// The console's update offers (issue 14, "offer an update bundle to a device or a group"; docs/console.md): one row per
/// rollout (who offered which signed bundle to which target, from where, when) and one per device it was published to,
/// with the broker's answer. Both append-only, like the action audit: a rollout's record cannot be edited afterwards.
/// </summary>
public static class ConsoleOpsSchema
{
    public const string Rollouts = "update_rollouts";
    public const string RolloutDevices = "update_rollout_devices";

    public static IReadOnlyList<string> Statements(SqlDialect dialect) => new[]
    {
        // customer_id: the tenant the rollout belongs to (the offering user's customer, or the group's customer for
        // staff); NULL only for a staff rollout over several customers, which only staff can see.
        $@"CREATE TABLE {Rollouts} (
            id {{pk}},
            created_ms {{int}} NOT NULL,
            actor TEXT NOT NULL,
            address TEXT NOT NULL,
            customer_id TEXT NULL,
            bundle TEXT NOT NULL,
            product TEXT NOT NULL,
            version TEXT NOT NULL,
            security_version {{int}} NOT NULL,
            manifest_sha256 TEXT NOT NULL,
            url TEXT NOT NULL,
            target TEXT NOT NULL,
            reason TEXT NOT NULL,
            devices {{int}} NOT NULL)",
        $"CREATE INDEX ix_update_rollouts_customer ON {Rollouts} (customer_id, id)",
        dialect.AppendOnlyTrigger(Rollouts),
        $@"CREATE TABLE {RolloutDevices} (
            rollout_id {{int}} NOT NULL REFERENCES {Rollouts} (id),
            device_id TEXT NOT NULL,
            at_ms {{int}} NOT NULL,
            outcome TEXT NOT NULL,
            detail TEXT NOT NULL,
            PRIMARY KEY (rollout_id, device_id))",
        $"CREATE INDEX ix_update_rollout_devices_device ON {RolloutDevices} (device_id)",
        dialect.AppendOnlyTrigger(RolloutDevices),
    };
}
