using System;
using System.Globalization;
using System.Text;
using SecureDevice.Core.Text;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Fleet.Response;

/// <summary>
/// Payloads for <c>devices/ID/down/throttle</c> (docs/flood-guard.md): <c>{"rate":N,"until":"…Z"}</c>, N messages and
/// connection attempts per hour (1..3600), until a moment at most 24 h ahead. Every payload is checked with the device's
/// own parser (<see cref="ThrottleCommandParser"/>) before it is sent, so the service can never emit one the firmware
/// would reject.
/// <para>
/// The firmware has no "cancel": a new command replaces the one in force (rate and end). A lift is therefore the mildest
/// command the parser accepts, the maximum rate (3600/h, above every budget of the firmware's own, so its own limits
/// rule again) for <see cref="LiftWindow"/>; after that the device is unthrottled.
/// </para>
/// </summary>
public static class ThrottleCommands
{
    /// <summary>The most permissive rate a command can carry: 3600 per hour, one a second.</summary>
    public const int LiftRatePerHour = 3600;

    /// <summary>How long a lift command stays in force: long enough for a device clock up to 2 minutes ahead to still accept it.</summary>
    public static readonly TimeSpan LiftWindow = TimeSpan.FromMinutes(2);

    /// <summary>A throttle: at most <paramref name="ratePerHour"/> until <paramref name="now"/> + <paramref name="duration"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate outside 1..3600 or a duration outside 1 s..24 h.</exception>
    public static byte[] Throttle(int ratePerHour, TimeSpan duration, DateTimeOffset now)
    {
        if (ratePerHour < 1 || ratePerHour > LiftRatePerHour)
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerHour), "the rate must be 1..3600 per hour");
        }

        if (duration < TimeSpan.FromSeconds(1) || duration > TimeSpan.FromSeconds(ThrottleCommandParser.MaxDurationSeconds))
        {
            throw new ArgumentOutOfRangeException(nameof(duration), "the duration must be 1 s..24 h");
        }

        long until = now.ToUnixTimeSeconds() + (long)duration.TotalSeconds;
        string json = "{\"rate\":" + ratePerHour.ToString(CultureInfo.InvariantCulture) + ",\"until\":\""
            + DateTimeOffset.FromUnixTimeSeconds(until).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + "\"}";
        byte[] payload = Encoding.ASCII.GetBytes(json);

        // One source of truth: the device's parser, at the time we send it.
        DocumentStatus status = new ThrottleCommandParser().TryParse(payload, 0, payload.Length, now.ToUnixTimeSeconds(), out ThrottleCommand? parsed);
        if (status != DocumentStatus.Valid || parsed == null || parsed.RatePerHour != ratePerHour || parsed.UntilUtc != until)
        {
            throw new InvalidOperationException("the device's parser refuses the throttle command " + json + ": " + status);
        }

        return payload;
    }

    /// <summary>The command that ends a throttle: the maximum rate for <see cref="LiftWindow"/>.</summary>
    public static byte[] Lift(DateTimeOffset now) => Throttle(LiftRatePerHour, LiftWindow, now);
}
