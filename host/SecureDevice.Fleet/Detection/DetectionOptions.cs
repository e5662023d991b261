namespace SecureDevice.Fleet.Detection;

/// <summary>
/// The detectors' thresholds and windows. The defaults are the documented ones (docs/detection.md gives the reasoning
/// behind each); a service changes them only with that document.
/// </summary>
public sealed record DetectionOptions
{
    /// <summary>Samples before a device's own baseline is used (12 reports: an hour at the default interval).</summary>
    public int WarmupSamples { get; init; } = 12;

    /// <summary>Weight of a new sample in a warm baseline (1/48: a time constant of 4 hours of reports).</summary>
    public double Alpha { get; init; } = 1.0 / 48;

    /// <summary>Robust z-score above which a metric is elevated against the device's own baseline or its cohort.</summary>
    public double ZThreshold { get; init; } = 6.0;

    /// <summary>A metric is elevated only when it also exceeds its baseline by this share of it (1.0: doubled).</summary>
    public double RelativeRise { get; init; } = 1.0;

    /// <summary>Least rise of the compute load that counts, percentage points.</summary>
    public double LoadRise { get; init; } = 25;

    /// <summary>Least rise of the supply current that counts, mA (an ESP32 at full CPU draws 20–50 mA more).</summary>
    public double CurrentRise { get; init; } = 15;

    /// <summary>Least rise of a byte rate that counts, bytes per hour.</summary>
    public double BytesRise { get; init; } = 8192;

    /// <summary>Cohort members with a warm baseline needed before the cohort is compared.</summary>
    public int MinimumCohort { get; init; } = 10;

    /// <summary>How often cohort statistics are recomputed, seconds.</summary>
    public int CohortRefreshSeconds { get; init; } = 900;

    /// <summary>Consecutive anomalous reports or windows before a rate rule opens (one alone can be a reconnect's spike).</summary>
    public int ConfirmSamples { get; init; } = 2;

    /// <summary>Consecutive normal reports or windows before a rate rule clears.</summary>
    public int ClearSamples { get; init; } = 6;

    /// <summary>
    /// Margin over the firmware's rates for the shadow buckets: twice the message rate and twice the connection rate
    /// after the fast phase. The buckets' capacities are already worst cases: four boots' fresh message bursts (the
    /// reboot-loop breaker's limit) and the fast phase's 46 connections.
    /// </summary>
    public double LimitMargin { get; init; } = 2.0;

    /// <summary>Malformed payloads tolerated at once; the next within the refill opens <c>invalid-data</c>.</summary>
    public int MalformedBurst { get; init; } = 2;

    /// <summary>Malformed payloads forgiven per hour.</summary>
    public int MalformedPerHour { get; init; } = 1;

    /// <summary>Unclean or fault boots within <see cref="RebootLoopSeconds"/> that make a reboot loop.</summary>
    public int RebootLoopBoots { get; init; } = 3;

    /// <summary>The reboot-loop window, seconds.</summary>
    public int RebootLoopSeconds { get; init; } = 3600;

    /// <summary>
    /// Unclean or fault boots within a day that make <c>unclean-boots</c> (at most <see cref="DeviceState.BootRingSize"/>).
    /// Five, not four: a healthy device losing power once a week at random sees four within some 24 hours about once in
    /// a thousand device-weeks (docs/detection.md).
    /// </summary>
    public int UncleanBootsPerDay { get; init; } = 5;

    /// <summary>Hourly heap checkpoints needed before a trend is judged (all the trend holds: 8 hours of a boot).</summary>
    public int LeakCheckpoints { get; init; } = 8;

    /// <summary>Least decline of the free heap across the checkpoints (slope × hours), KiB.</summary>
    public double LeakDeclineKiB { get; init; } = 8;

    /// <summary>Least falling slope of the hourly free-heap maximum that counts as a leak, KiB per hour.</summary>
    public double LeakSlopeKiBPerHour { get; init; } = 1.0;

    /// <summary>Projected exhaustion within this many hours opens <c>heap-leak</c> (warning; critical within 12 h).</summary>
    public double LeakHorizonHours { get; init; } = 72;

    /// <summary>Missing report intervals (plus jitter) before <c>silence</c>.</summary>
    public double SilenceIntervals { get; init; } = 2.5;

    /// <summary>Share of a product's reporting devices silent at once that means an outage, not a device: no silence findings.</summary>
    public double OutageShare { get; init; } = 0.3;

    /// <summary>Days before certificate expiry that raise a warning (critical from 7 days).</summary>
    public int CertificateWarningDays { get; init; } = 30;

    /// <summary>Hours a device may run another version than the target before <c>version-drift</c> (a rollout's grace).</summary>
    public int DriftGraceHours { get; init; } = 24;

    /// <summary>Days without another rejection before <c>update-rejected</c> clears (and without another <c>floor-unknown</c> fault or report flagged <c>UpdateRecordsUnreadable</c> before <c>storage-failed</c> does, without another <c>floor-save-failed</c> fault or report flagged <c>FloorRecordLagging</c> before <c>floor-save-failed</c> does; those two also need the latest report unflagged).</summary>
    public int RejectionQuietDays { get; init; } = 7;
}
