using System.Globalization;

namespace SecureDevice.Fleet.Detection.Rules;

/// <summary>
/// The trust-free rate rules over one broker window: <c>message-flood</c>, <c>reconnect-storm</c> (shadow buckets of the
/// firmware's own limits with <see cref="DetectionOptions.LimitMargin"/>) and <c>invalid-data</c> (malformed payloads).
/// A bucket already tolerates bursts, so these open on the first overdrawn window.
/// </summary>
internal static class RateLimitRules
{
    /// <summary><c>message-flood</c>: publishes beyond the firmware's limiter (plus what each connection brings).</summary>
    public static Verdict MessageFlood(DeviceState device, in TrafficWindow window, double seconds, DetectionOptions options)
    {
        // Each boot starts a fresh limiter with its full burst, and the breaker lets four boots through close together:
        // the capacity is their four bursts (the worst legitimate case already), the margin is on the rate.
        double capacity = (double)FirmwareLimits.BootsBeforeSafeMode * FirmwareLimits.MessageBurst;
        double perHour = options.LimitMargin * FirmwareLimits.MessagesPerHour;
        double spent = window.MessagesUp - ((double)FirmwareLimits.MessagesPerConnect * window.Connects);
        bool over = device.Messages.Spend(spent, seconds, capacity, perHour);
        double rate = window.MessagesUp * 3600 / seconds;
        if (!over)
        {
            return Verdict.Normal(rate, FirmwareLimits.MessagesPerHour);
        }

        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"{window.MessagesUp} messages in {seconds / 60:0.#} min at the broker ({rate:0}/h); the firmware sends at most {FirmwareLimits.MessageBurst} at once and {FirmwareLimits.MessagesPerHour}/h");
        return new Verdict(true, FindingSeverity.Critical, rate, FirmwareLimits.MessagesPerHour, evidence);
    }

    /// <summary><c>reconnect-storm</c>: connections beyond the firmware's backoff.</summary>
    public static Verdict ReconnectStorm(DeviceState device, in TrafficWindow window, double seconds, DetectionOptions options)
    {
        // The fast phase's burst is already the worst case (every attempt at its 20 s minimum): the margin is on the rate.
        double capacity = FirmwareLimits.ConnectBurst;
        double perHour = options.LimitMargin * FirmwareLimits.ConnectsPerHour;
        bool over = device.Connects.Spend(window.Connects, seconds, capacity, perHour);
        double rate = window.Connects * 3600 / seconds;
        if (!over)
        {
            return Verdict.Normal(rate, FirmwareLimits.ConnectsPerHour);
        }

        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"{window.Connects} connections in {seconds / 60:0.#} min (announced online at the broker, {rate:0}/h); the firmware's backoff allows {FirmwareLimits.ConnectBurst} in its fastest quarter-hour and about 8/h after");
        return new Verdict(true, FindingSeverity.Critical, rate, FirmwareLimits.ConnectsPerHour, evidence);
    }

    /// <summary><c>invalid-data</c>: a few malformed payloads within an hour; critical when most of a window is garbage.</summary>
    public static Verdict InvalidData(DeviceState device, in TrafficWindow window, double seconds, DetectionOptions options)
    {
        bool over = device.Malformed.Spend(window.Malformed, seconds, options.MalformedBurst, options.MalformedPerHour);
        double rate = window.Malformed * 3600 / seconds;
        if (!over)
        {
            return Verdict.Normal(rate, options.MalformedPerHour);
        }

        bool mostly = window.Malformed >= 10 && window.Malformed * 5 >= window.MessagesUp;
        string evidence = string.Create(CultureInfo.InvariantCulture,
            $"{window.Malformed} of {window.MessagesUp} payloads in {seconds / 60:0.#} min refused by the ingest ({rate:0}/h); our firmware sends none");
        return new Verdict(true, mostly ? FindingSeverity.Critical : FindingSeverity.Warning, rate, options.MalformedPerHour, evidence);
    }
}
