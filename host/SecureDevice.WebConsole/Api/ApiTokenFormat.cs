using System;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace SecureDevice.WebConsole.Api;

/// <summary>
/// The console's personal API token: <c>sdp_</c> + 32 random bytes in base62 (43 characters, fixed width) + the CRC-32
/// (IEEE) of everything before it in base62 (6 characters). The fixed prefix and the checksum let a secret scanner
/// (<c>securedevice scan</c>, GitHub's) recognise a leaked token without false positives; the checksum is not a
/// secret and proves nothing about validity, only the server's stored SHA-256 does.
/// </summary>
public static class ApiTokenFormat
{
    public const string Prefix = "sdp_";
    public const int BodyLength = 43;
    public const int ChecksumLength = 6;
    public const int Length = 4 + BodyLength + ChecksumLength;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A new token from 32 bytes of <paramref name="random"/>.</summary>
    public static string Create(RandomNumberGenerator random)
    {
        byte[] secret = new byte[32];
        random.GetBytes(secret);
        string head = Prefix + Base62(new BigInteger(secret, isUnsigned: true, isBigEndian: true), BodyLength);
        return head + Base62(Crc32.Compute(Encoding.ASCII.GetBytes(head)), ChecksumLength);
    }

    /// <summary>True when <paramref name="text"/> has the shape of a token and its checksum matches.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> text)
    {
        if (text.Length != Length || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (char c in text[Prefix.Length..])
        {
            if (Alphabet.IndexOf(c) < 0)
            {
                return false;
            }
        }

        string head = new string(text[..(Length - ChecksumLength)]);
        return Base62(Crc32.Compute(Encoding.ASCII.GetBytes(head)), ChecksumLength).AsSpan().SequenceEqual(text[(Length - ChecksumLength)..]);
    }

    /// <summary>SHA-256 of the token, lowercase hex: the only form stored.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    private static string Base62(BigInteger value, int width)
    {
        char[] digits = new char[width];
        for (int i = width - 1; i >= 0; i--)
        {
            digits[i] = Alphabet[(int)(value % 62)];
            value /= 62;
        }

        return value.IsZero ? new string(digits) : throw new ArgumentOutOfRangeException(nameof(value), "does not fit the width");
    }
}
