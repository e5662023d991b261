namespace SecureDevice.Fleet.Detection;

/// <summary>
/// What this firmware can send at most (docs/flood-guard.md), the ground truth of the trust-free rate rules. A test
/// drives the core's own <c>PublishLimiter</c> and checks these numbers, so a change of the firmware's limits fails it.
/// </summary>
public static class FirmwareLimits
{
    /// <summary>Publishes the limiter lets out at once: telemetry 3 + events 10 + update progress 10.</summary>
    public const int MessageBurst = 23;

    /// <summary>Publishes per hour once the bursts are spent: telemetry 30 + events 60 + update progress 120.</summary>
    public const int MessagesPerHour = 210;

    /// <summary>
    /// Boots the firmware's reboot-loop breaker lets through with a full limiter each: five counted boots within 15 minutes
    /// put the device in safe mode (telemetry only, 2 per hour), so at most four fresh bursts come close together.
    /// </summary>
    public const int BootsBeforeSafeMode = 4;

    /// <summary>
    /// Publishes a connection can bring beyond the limiter's budgets: the retained "online" status (outside the limiter)
    /// and, after a reboot, a fresh limiter whose boot report, fault event and pending update event go out at once.
    /// </summary>
    public const int MessagesPerConnect = 4;

    /// <summary>
    /// Connections in the worst legitimate quarter-hour: after a stable connection is lost, attempts every 20–30 s for
    /// 15 minutes (the fast phase), each of which a broker might accept and drop: 1 + 900 / 20 = 46.
    /// </summary>
    public const int ConnectBurst = 46;

    /// <summary>
    /// Connections per hour after the fast phase: full-jitter backoff capped at 900 s averages 450 s between attempts,
    /// 8 per hour (the glitch simulation measures 7.6); 16 leaves room for chance.
    /// </summary>
    public const int ConnectsPerHour = 16;
}
