using System;
using OtpNet;

namespace SecureDevice.WebConsole.Accounts;

/// <summary>RFC 6238 codes (Otp.NET): 6 digits, 30 s steps, SHA-1 (what authenticator apps expect), one step of drift each way.</summary>
public static class Totp
{
    /// <summary>A new 160-bit secret, Base32 (what the user types or scans into an authenticator app).</summary>
    public static string NewSecret() => Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));

    /// <summary>The otpauth:// URI authenticator apps import.</summary>
    public static string Uri(string issuer, string userName, string secret) =>
        "otpauth://totp/" + System.Uri.EscapeDataString(issuer + ":" + userName) + "?secret=" + secret + "&issuer=" + System.Uri.EscapeDataString(issuer) + "&digits=6&period=30";

    /// <summary>True when <paramref name="code"/> is valid at <paramref name="now"/> and newer than <paramref name="lastStep"/>; the matched step.</summary>
    public static bool TryVerify(string secret, string? code, DateTimeOffset now, long lastStep, out long step)
    {
        step = 0;
        if (code == null || code.Length != 6 || !IsDigits(code))
        {
            return false;
        }

        var totp = new OtpNet.Totp(Base32Encoding.ToBytes(secret));
        return totp.VerifyTotp(now.UtcDateTime, code, out step, new VerificationWindow(previous: 1, future: 1)) && step > lastStep;
    }

    private static bool IsDigits(string text)
    {
        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
