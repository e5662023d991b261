using System;
using SecureDevice.Core.Text;

namespace SecureDevice.Fleet;

/// <summary>Time as the fleet's documents carry it: Unix seconds, UTC, years 1970..9999 (docs/bundle-format.md).</summary>
public static class FleetTime
{
    /// <summary>9999-12-31T23:59:59Z, the last second a manifest or delegation can name.</summary>
    public const long MaxUnixSeconds = 253402300799L;

    /// <summary>"YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ" as Unix seconds, or false.</summary>
    public static bool TryParse(string text, out long unixSeconds)
    {
        if (UtcTimestamp.TryParse(text, out unixSeconds))
        {
            return true;
        }

        return text.Length == 10 && UtcTimestamp.TryParse(text + "T00:00:00Z", out unixSeconds);
    }

    /// <summary>The text form of <paramref name="unixSeconds"/>, or "out of range" for a value no document can hold.</summary>
    public static string Format(long unixSeconds) =>
        unixSeconds < 0 || unixSeconds > MaxUnixSeconds ? "(out of range)" : UtcTimestamp.Format(unixSeconds);

    /// <summary><paramref name="start"/> + <paramref name="seconds"/>, capped at <see cref="MaxUnixSeconds"/>.</summary>
    public static long AddCapped(long start, long seconds) => Math.Min(MaxUnixSeconds, start + Math.Min(seconds, MaxUnixSeconds));
}
