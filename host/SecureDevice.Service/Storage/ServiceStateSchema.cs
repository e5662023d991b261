using System.Collections.Generic;

namespace SecureDevice.Service.Storage;

/// <summary>
/// The service's durable working state (migration 5; docs/service.md, "Durable state"): the alert outbox (every delivery
/// with its attempts, next attempt and the claim of the instance attempting it), the last alert state sent per
/// de-duplication key, the response ladder's step per device, and snapshots of detection's per-device state. A restart
/// or another instance resumes from these rows instead of starting over. Also the devices' product (cohorts).
/// </summary>
public static class ServiceStateSchema
{
    public const string AlertOutbox = "alert_outbox";
    public const string AlertLastState = "alert_last_state";
    public const string LadderState = "ladder_state";
    public const string DetectionState = "detection_state";
    public const string LadderRefusals = "ladder_refusals";

    public static IReadOnlyList<string> Statements(SqlDialect dialect) => new[]
    {
        // One row per alert and channel (AlertDelivery). state: queued, failed (retry due at next_attempt_ms), sent, dead
        // (the dead letter). lease_owner/lease_until_ms: the instance attempting it and until when (a claim).
        $@"CREATE TABLE {AlertOutbox} (
            delivery_id TEXT NOT NULL PRIMARY KEY,
            alert_id TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            device_id TEXT NULL,
            kind TEXT NOT NULL,
            channel TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts {{int}} NOT NULL,
            last_error TEXT NULL,
            created_ms {{int}} NOT NULL,
            next_attempt_ms {{int}} NOT NULL,
            done_ms {{int}} NULL,
            body TEXT NOT NULL,
            subject TEXT NULL,
            lease_owner TEXT NULL,
            lease_until_ms {{int}} NULL)",
        $"CREATE INDEX ix_alert_outbox_state ON {AlertOutbox} (state, next_attempt_ms)",

        // The last state alerted per customer, device and subject: a restart does not alert every open finding again.
        $@"CREATE TABLE {AlertLastState} (
            dedupe_key TEXT NOT NULL PRIMARY KEY,
            state TEXT NOT NULL,
            updated_ms {{int}} NOT NULL)",

        // The ladder's step per device (1 throttled, 2 quarantined) and since when; no row: nothing done.
        $@"CREATE TABLE {LadderState} (
            device_id TEXT NOT NULL PRIMARY KEY,
            step {{int}} NOT NULL,
            throttled_ms {{int}} NULL,
            quarantined_ms {{int}} NULL,
            updated_ms {{int}} NOT NULL,
            instance TEXT NOT NULL)",

        // The device's product from the PKI inventory (RegistrySync): detection groups cohorts by product and version.
        $"ALTER TABLE {Tables.Devices} ADD COLUMN product TEXT NOT NULL DEFAULT 'unknown'",

        // DetectionEngine.ExportState per device (baselines, boot ring, finding states), written every snapshot interval.
        $@"CREATE TABLE {DetectionState} (
            device_id TEXT NOT NULL PRIMARY KEY,
            state {{blob}} NOT NULL,
            updated_ms {{int}} NOT NULL,
            instance TEXT NOT NULL)",
    };

    /// <summary>
    /// Migration 8: the ladder's refused messages per device and time bucket (<see cref="ServiceStateStore.AddRefusalsAsync"/>),
    /// so that a restart, even a kill -9, or another instance keeps counting toward the offence where it was. Rows older
    /// than the offence window are deleted as new ones come, so the table holds the last window only.
    /// </summary>
    public static IReadOnlyList<string> LadderRefusalStatements(SqlDialect dialect) => new[]
    {
        $@"CREATE TABLE {LadderRefusals} (
            device_id TEXT NOT NULL,
            bucket_ms {{int}} NOT NULL,
            refused {{int}} NOT NULL,
            PRIMARY KEY (device_id, bucket_ms))",
        $"CREATE INDEX ix_ladder_refusals_bucket ON {LadderRefusals} (bucket_ms)",
    };
}
