namespace SecureDevice.Service.Storage;

/// <summary>
/// Every table name the service uses. SQL text takes table names from these constants only; values always travel as
/// parameters (docs/service.md, "Storage").
/// </summary>
public static class Tables
{
    public const string Migrations = "schema_migrations";
    public const string Devices = "devices";
    public const string HealthReports = "health_reports";
    public const string Events = "device_events";
    public const string Counters = "device_counters";

    /// <summary>The refusal counter reports counted so far (their keys only): a redelivered one is counted once.</summary>
    public const string RefusalReports = "refusal_reports";
    public const string HealthHourly = "health_hourly";
    public const string ServiceDaily = "service_daily";
    public const string ServiceState = "service_state";
    public const string Findings = "findings";
    public const string Actions = "actions";
    public const string Alerts = "alerts";
}
