using System;

namespace SecureDevice.Fleet.Detection;

/// <summary>
/// Times in per-device state as whole seconds since 2020-01-01T00:00:00Z in an int (4 bytes instead of a DateTime's 8;
/// good until 2088). 0 means "never".
/// </summary>
internal static class Stamp
{
    private static readonly DateTime Epoch = new(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The stamp of <paramref name="time"/> (UTC), clamped to 1..int.MaxValue.</summary>
    public static int From(DateTime time)
    {
        double seconds = Math.Floor((time.ToUniversalTime() - Epoch).TotalSeconds);
        return (int)Math.Clamp(seconds, 1, int.MaxValue);
    }

    /// <summary>The UTC time of a stamp.</summary>
    public static DateTime ToTime(int stamp) => Epoch.AddSeconds(stamp);
}
