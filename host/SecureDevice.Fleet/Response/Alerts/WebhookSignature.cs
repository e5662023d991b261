using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SecureDevice.Fleet.Response.Alerts;

/// <summary>What <see cref="WebhookSignature.Verify"/> found.</summary>
public enum SignatureStatus
{
    Valid,

    /// <summary>The header is not "t=UNIX,v1=HEX" (64 lower- or upper-case hex digits).</summary>
    Malformed,

    /// <summary>The timestamp is outside the tolerance around now (a replay, or a clock far off).</summary>
    Expired,

    /// <summary>No v1 signature matches the body and timestamp under the secret.</summary>
    Mismatch,
}

/// <summary>
/// The webhook signature scheme (as Stripe's): header <c>X-SecureDevice-Signature: t=1764547200,v1=HEX</c>, where HEX is
/// HMAC-SHA256(secret, "<c>t</c>" + "." + raw body) in lower-case hex. The timestamp is the send time of each attempt
/// (Unix seconds), so a retry carries a fresh one. Receivers verify over the raw bytes, compare in constant time, refuse
/// a timestamp more than <see cref="DefaultTolerance"/> away from their clock, and drop an event id they have seen.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-SecureDevice-Signature";

    /// <summary>The event id header: the same on every attempt of an alert, for the receiver's de-duplication.</summary>
    public const string EventHeader = "X-SecureDevice-Event";

    /// <summary>Replay window receivers should use: 5 minutes either side.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="unixSeconds"/>.</summary>
    public static string Sign(byte[] secret, long unixSeconds, byte[] body)
    {
        return "t=" + unixSeconds.ToString(CultureInfo.InvariantCulture) + ",v1=" + Convert.ToHexStringLower(Mac(secret, unixSeconds, body));
    }

    /// <summary>Checks a received header (for receivers, and the tests' own cross-check).</summary>
    public static SignatureStatus Verify(byte[] secret, string? header, byte[] body, DateTimeOffset now, TimeSpan tolerance)
    {
        long timestamp = -1;
        bool matched = false;
        bool any = false;
        foreach (string part in (header ?? string.Empty).Split(','))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return SignatureStatus.Malformed;
            }

            string key = part[..equals].Trim();
            string value = part[(equals + 1)..].Trim();
            if (key == "t")
            {
                if (timestamp >= 0 || !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp))
                {
                    return SignatureStatus.Malformed;
                }
            }
            else if (key == "v1")
            {
                if (value.Length != 64)
                {
                    return SignatureStatus.Malformed;
                }

                byte[] given;
                try
                {
                    given = Convert.FromHexString(value);
                }
                catch (FormatException)
                {
                    return SignatureStatus.Malformed;
                }

                any = true;
                matched |= timestamp >= 0 && CryptographicOperations.FixedTimeEquals(given, Mac(secret, timestamp, body));
            }
        }

        if (timestamp < 0 || !any)
        {
            return SignatureStatus.Malformed;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - timestamp) > (long)tolerance.TotalSeconds)
        {
            return SignatureStatus.Expired;
        }

        return matched ? SignatureStatus.Valid : SignatureStatus.Mismatch;
    }

    private static byte[] Mac(byte[] secret, long unixSeconds, byte[] body)
    {
        byte[] prefix = Encoding.ASCII.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        byte[] message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message, prefix.Length);
        return HMACSHA256.HashData(secret, message);
    }
}
