using System;
using SecureDevice.Fleet.Detection;
using SecureDevice.Fleet.Response.Alerts;

namespace SecureDevice.Service.Integration;

/// <summary>Detection, response and alerts in the service (docs/service.md, "Detection, response, alerts").</summary>
public sealed record IntegrationOptions
{
    /// <summary>Customer contacts file (format of <see cref="FileCustomerContacts"/>: webhook URL and secret, e-mail addresses); null: no alerts.</summary>
    public string? ContactsFile { get; init; }

    /// <summary>The SMTP relay for e-mail alerts; null: webhooks only.</summary>
    public SmtpSettings? Smtp { get; init; }

    /// <summary>Allow webhooks to loopback addresses (tests and the demo only: otherwise a customer could aim the service at itself).</summary>
    public bool AllowLoopbackWebhooks { get; init; }

    public DetectionOptions? Detection { get; init; }


    /// <summary>The devices' report interval, seconds (the firmware's default).</summary>
    public int ReportIntervalSeconds { get; init; } = 300;

    /// <summary>Length of the per-device traffic windows handed to detection (1..60 minutes in production).</summary>
    public TimeSpan TrafficWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often detection ticks (silence, cohorts, closing traffic windows).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often detection writes the state of the devices that changed to the database (and at a clean stop). A
    /// kill -9 loses at most this much learning: 5 min, one report per device at the firmware's interval.
    /// </summary>
    public TimeSpan SnapshotInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The detection lease's time to live (<see cref="Ingest.DetectionFeedMode.Database"/>): another instance takes
    /// detection over at most this long after the holder stopped renewing (docs/scale.md, "Past one machine").
    /// </summary>
    public TimeSpan FeedLeaseTtl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the holder renews the lease, and every other instance tries to take it.</summary>
    public TimeSpan FeedRenewInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the holder waits before reading the feed again when it found it dry.</summary>
    public TimeSpan FeedPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Feed rows read per query.</summary>
    public int FeedReadRows { get; init; } = 64;

    /// <summary>
    /// Feed rows older than this are deleted whether or not detection judged them (counted, logged): the bound on the
    /// feed when no instance holds the lease or the holder fell behind; detection then resumes past a gap.
    /// </summary>
    public TimeSpan FeedMaxAge { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Sent alert deliveries kept in the outbox: 7 days.</summary>
    public TimeSpan KeepSentAlerts { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Dead letters kept in the outbox: 90 days.</summary>
    public TimeSpan KeepDeadAlerts { get; init; } = TimeSpan.FromDays(90);

    /// <summary>Devices whose traffic is counted in one window (bounded memory).</summary>
    public int MaxTrackedDevices { get; init; } = 2_000_000;

    public LadderPolicy Ladder { get; init; } = new();

    /// <summary>Alert dispatcher tuning (retries, per-customer rate).</summary>
    public AlertDispatcherOptions? Alerts { get; init; }
}
