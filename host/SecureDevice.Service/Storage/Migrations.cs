using System;
using System.Collections.Generic;

namespace SecureDevice.Service.Storage;

/// <summary>One schema step: applied once, in order, in a transaction, and recorded in <see cref="Tables.Migrations"/>.</summary>
/// <param name="Version">1, 2, 3...: never renumbered, never edited after release (add a new step instead).</param>
/// <param name="Name">What the step does.</param>
/// <param name="Statements">DDL for the dialect, with the type placeholders of <see cref="SqlDialect.Render"/>.</param>
public sealed record Migration(int Version, string Name, Func<SqlDialect, IReadOnlyList<string>> Statements);

/// <summary>
/// The schema, one list for SQLite and PostgreSQL (docs/service.md, "Schema"). Types are written as placeholders that
/// each dialect renders: {pk} an auto-numbered 64-bit key, {int} a 64-bit integer, {blob} bytes, {real} a double. Times
/// are Unix milliseconds (UTC) everywhere. Adding a table for a workstream is a new step at the end.
/// </summary>
public static class Migrations
{
    public static readonly IReadOnlyList<Migration> All = new[]
    {
        new Migration(1, "registry, reports, events, counters, roll-ups, service summary", _ => new[]
        {
            // The registry follows the PKI inventory (RegistrySync); the last_* columns follow ingest.
            $@"CREATE TABLE {Tables.Devices} (
                id {{pk}},
                device_id TEXT NOT NULL UNIQUE,
                customer_id TEXT NULL,
                serial TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                not_after_ms {{int}} NOT NULL,
                provisioned_ms {{int}} NOT NULL,
                status TEXT NOT NULL,
                revoked_ms {{int}} NULL,
                service_state TEXT NOT NULL DEFAULT 'normal',
                registry_ms {{int}} NOT NULL,
                first_seen_ms {{int}} NULL,
                last_seen_ms {{int}} NULL,
                last_boot {{int}} NULL,
                last_seq {{int}} NULL,
                version_code {{int}} NULL,
                presence TEXT NOT NULL DEFAULT 'unknown',
                presence_ms {{int}} NULL)",
            $"CREATE INDEX ix_devices_customer ON {Tables.Devices} (customer_id)",

            // One row per health report, as received (payload) plus the values the console graphs and roll-ups use.
            $@"CREATE TABLE {Tables.HealthReports} (
                id {{pk}},
                device_ref {{int}} NOT NULL REFERENCES {Tables.Devices} (id),
                received_ms {{int}} NOT NULL,
                boot {{int}} NOT NULL,
                seq {{int}} NOT NULL,
                uptime_s {{int}} NOT NULL,
                boot_reason {{int}} NOT NULL,
                supply_mv {{int}} NULL,
                heap_free_kib {{int}} NULL,
                managed_free_kib {{int}} NULL,
                bytes_up {{int}} NOT NULL,
                bytes_down {{int}} NOT NULL,
                wire_bytes {{int}} NOT NULL,
                rssi_dbm {{int}} NULL,
                attempts {{int}} NOT NULL,
                rejected {{int}} NOT NULL,
                version_code {{int}} NOT NULL,
                flags {{int}} NOT NULL,
                payload {{blob}} NOT NULL,
                UNIQUE (device_ref, boot, seq))",
            $"CREATE INDEX ix_health_received ON {Tables.HealthReports} (received_ms)",

            // Update, fault and other device events, and presence changes. event_key identifies an event that carries an
            // identity (boot and sequence, or boot, code and count): a copy of it is stored once. NULL keys never collide.
            $@"CREATE TABLE {Tables.Events} (
                id {{pk}},
                device_ref {{int}} NOT NULL REFERENCES {Tables.Devices} (id),
                received_ms {{int}} NOT NULL,
                kind TEXT NOT NULL,
                event_key TEXT NULL,
                boot {{int}} NULL,
                seq {{int}} NULL,
                payload TEXT NOT NULL,
                UNIQUE (device_ref, event_key))",
            $"CREATE INDEX ix_events_received ON {Tables.Events} (received_ms)",
            $"CREATE INDEX ix_events_device ON {Tables.Events} (device_ref, received_ms)",

            // What ingest refused or set aside, per device id as it appeared in the topic (known or not), reason and hour.
            $@"CREATE TABLE {Tables.Counters} (
                device_id TEXT NOT NULL,
                reason TEXT NOT NULL,
                hour_ms {{int}} NOT NULL,
                count {{int}} NOT NULL,
                bytes {{int}} NOT NULL,
                last_ms {{int}} NOT NULL,
                last_detail TEXT NULL,
                PRIMARY KEY (device_id, reason, hour_ms))",
            $"CREATE INDEX ix_counters_hour ON {Tables.Counters} (hour_ms)",

            // Hourly roll-ups of the raw reports, kept longer than the raw rows (MaintenanceService).
            $@"CREATE TABLE {Tables.HealthHourly} (
                device_ref {{int}} NOT NULL REFERENCES {Tables.Devices} (id),
                hour_ms {{int}} NOT NULL,
                reports {{int}} NOT NULL,
                payload_bytes {{int}} NOT NULL,
                boots {{int}} NOT NULL,
                unclean_boots {{int}} NOT NULL,
                supply_min {{int}} NULL,
                supply_max {{int}} NULL,
                supply_avg {{real}} NULL,
                heap_free_min {{int}} NULL,
                bytes_up {{int}} NOT NULL,
                bytes_down {{int}} NOT NULL,
                wire_bytes {{int}} NOT NULL,
                attempts_max {{int}} NOT NULL,
                rejected_max {{int}} NOT NULL,
                version_code {{int}} NOT NULL,
                PRIMARY KEY (device_ref, hour_ms))",
            $"CREATE INDEX ix_hourly_hour ON {Tables.HealthHourly} (hour_ms)",

            // The service's own storage, bandwidth and compute per UTC day and instance (the console graphs it).
            $@"CREATE TABLE {Tables.ServiceDaily} (
                day_ms {{int}} NOT NULL,
                instance TEXT NOT NULL,
                messages {{int}} NOT NULL,
                bytes_in {{int}} NOT NULL,
                reports {{int}} NOT NULL,
                events {{int}} NOT NULL,
                rejected {{int}} NOT NULL,
                cpu_ms {{int}} NOT NULL,
                peak_rss_bytes {{int}} NOT NULL,
                database_bytes {{int}} NOT NULL,
                raw_rows {{int}} NOT NULL,
                updated_ms {{int}} NOT NULL,
                PRIMARY KEY (day_ms, instance))",

            $@"CREATE TABLE {Tables.ServiceState} (
                name TEXT NOT NULL PRIMARY KEY,
                value {{int}} NOT NULL)",
        }),
        new Migration(2, "findings (detection), actions audit (append-only), alerts (response)", d => new[]
        {
            // Workstream B: one row per finding; at most one open finding per device and rule.
            $@"CREATE TABLE {Tables.Findings} (
                id {{pk}},
                device_id TEXT NOT NULL,
                rule TEXT NOT NULL,
                severity TEXT NOT NULL,
                trusts_device {{int}} NOT NULL,
                observed {{real}} NULL,
                expected {{real}} NULL,
                evidence TEXT NOT NULL,
                first_seen_ms {{int}} NOT NULL,
                last_seen_ms {{int}} NOT NULL,
                state TEXT NOT NULL)",
            $"CREATE UNIQUE INDEX ux_findings_open ON {Tables.Findings} (device_id, rule) WHERE state = 'open'",
            $"CREATE INDEX ix_findings_seen ON {Tables.Findings} (last_seen_ms)",

            // Workstream C: every action on a device, automatic or by an operator. Append-only: triggers refuse changes.
            $@"CREATE TABLE {Tables.Actions} (
                id {{pk}},
                device_id TEXT NOT NULL,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                reason TEXT NOT NULL,
                at_ms {{int}} NOT NULL,
                outcome TEXT NOT NULL,
                detail TEXT NULL)",
            $"CREATE INDEX ix_actions_device ON {Tables.Actions} (device_id, at_ms)",
            d.AppendOnlyTrigger(Tables.Actions),

            // Workstream C: alerts to owners and their delivery state.
            $@"CREATE TABLE {Tables.Alerts} (
                id {{pk}},
                customer_id TEXT NOT NULL,
                device_id TEXT NULL,
                kind TEXT NOT NULL,
                channel TEXT NOT NULL,
                state TEXT NOT NULL,
                attempts {{int}} NOT NULL,
                last_error TEXT NULL,
                dedupe_key TEXT NULL,
                created_ms {{int}} NOT NULL,
                updated_ms {{int}} NOT NULL)",
            $"CREATE INDEX ix_alerts_customer ON {Tables.Alerts} (customer_id, created_ms)",
            $"CREATE INDEX ix_alerts_state ON {Tables.Alerts} (state, updated_ms)",
        }),
        new Migration(3, "console accounts and sessions", ConsoleSchema.Statements),
        new Migration(4, "console API tokens", ConsoleApiSchema.Statements),
        new Migration(5, "durable service state: alert outbox, alert last states, ladder state, detection snapshots; device product", ServiceStateSchema.Statements),
        new Migration(6, "console update offers (rollouts)", ConsoleOpsSchema.Statements),
        new Migration(7, "staged rollouts: wave plan and state", ConsoleWavesSchema.Statements),
        new Migration(8, "response ladder: refused messages per device in the offence window", ServiceStateSchema.LadderRefusalStatements),
        new Migration(9, "rollouts: any number of waves, a deadline per wave, published by the worker", ConsoleWavesSchema.StageStatements),
        new Migration(10, "rollouts: publication retried under backoff; console: burst pauses shared by every instance",
            d => System.Linq.Enumerable.ToList(System.Linq.Enumerable.Concat(ConsoleWavesSchema.RetryStatements(d), ConsoleSchema.PauseStatements(d)))),

        // Why presence is offline when the service, not the device, ended its connection (quarantine, revocation): the
        // broker kicked it and its will could not reach us. NULL: presence as the device last said it.
        new Migration(11, "devices: presence cut by the service (quarantine, revocation) and why", _ => new[]
        {
            $"ALTER TABLE {Tables.Devices} ADD COLUMN presence_reason TEXT NULL",
        }),

        // The action's intent is written before the mechanism runs (outcome 'pending') and completed once, done or failed,
        // with the device's state, presence cut and ladder row (docs/response.md): the audit refuses every other update.
        // completed_ms NULL: the row was written complete at at_ms (every row before this version, the rollouts' offers).
        new Migration(12, "actions: pending intent completed once (done or failed), completion time", d => new[]
        {
            $"ALTER TABLE {Tables.Actions} ADD COLUMN completed_ms {{int}} NULL",
            d.CompleteOnceTrigger(Tables.Actions),
            $"CREATE INDEX ix_actions_pending ON {Tables.Actions} (at_ms) WHERE outcome = 'pending'",
        }),

        // The broker's refusal counter reports (docs/service.md, "Publishes refused by the broker"): each is counted once
        // by its key, the topic's client name and the interval start; kept as long as the counters.
        new Migration(13, "refusal counter reports counted (keys)", _ => new[]
        {
            $@"CREATE TABLE {Tables.RefusalReports} (
                name TEXT NOT NULL,
                start_ms {{int}} NOT NULL,
                received_ms {{int}} NOT NULL,
                PRIMARY KEY (name, start_ms))",
            $"CREATE INDEX ix_refusal_reports_received ON {Tables.RefusalReports} (received_ms)",
        }),

        // Detection fed from the database (docs/scale.md, "Past one machine", item 2): every ingest transaction appends its
        // committed batch to the feed, in commit order; the instance holding the "detection" lease judges them all and
        // saves, with its snapshot, how far it read (the cursor).
        new Migration(14, "detection feed (committed batches in commit order), service leases, detection cursor", DetectionFeedStore.Statements),
    };

    /// <summary>The newest schema version this build knows.</summary>
    public static int Latest => All[^1].Version;
}
