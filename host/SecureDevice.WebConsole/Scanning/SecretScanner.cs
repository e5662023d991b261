using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using SecureDevice.WebConsole.Api;

namespace SecureDevice.WebConsole.Scanning;

/// <summary>
/// Finds private keys and console API tokens in the bytes of one file (a file on disk or a git blob). Pure: bytes in,
/// findings out; <see cref="FolderScan"/> and <see cref="GitScan"/> feed it. The bytes are read as Latin-1 so that
/// binary or invalid UTF-8 content never fails and ASCII markers still match.
/// </summary>
public static partial class SecretScanner
{
    /// <summary>Default largest file or blob scanned, bytes (larger ones are counted as skipped).</summary>
    public const long DefaultMaxBytes = 8 * 1024 * 1024;

    [GeneratedRegex(@"-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY( BLOCK)?-----", RegexOptions.CultureInvariant)]
    private static partial Regex PemBegin();

    /// <summary>Optional escaped line breaks or blanks, then at least 16 base64 characters.</summary>
    [GeneratedRegex(@"^(\\r|\\n|\s)*[A-Za-z0-9+/]{16}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyMaterial();

    [GeneratedRegex(@"sdp_[0-9A-Za-z]{49}", RegexOptions.CultureInvariant)]
    private static partial Regex TokenCandidate();

    /// <summary>The findings in <paramref name="content"/>, reported at <paramref name="location"/>.</summary>
    public static List<SecretFinding> Scan(string location, byte[] content)
    {
        var findings = new List<SecretFinding>();
        string text = Encoding.Latin1.GetString(content);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            ScanLine(location, lines[i], i + 1 < lines.Length ? lines[i + 1] : string.Empty, i + 1, findings);
        }

        if (findings.Count == 0 && LooksLikeKeyFileName(location))
        {
            findings.Add(new SecretFinding(location, SecretKind.KeyFileName, 0));
        }

        return findings;
    }

    /// <summary>True for the names the PKI and <c>securedevice keys</c> give private keys, and key containers.</summary>
    public static bool LooksLikeKeyFileName(string path) =>
        path.EndsWith(".key.pem", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase);

    private static void ScanLine(string location, ReadOnlySpan<char> line, string next, int number, List<SecretFinding> findings)
    {
        foreach (ValueMatch match in PemBegin().EnumerateMatches(line))
        {
            // A header counts only with key material after it: base64 on the same line (a JSON or env string with \n
            // escapes) or on the next one, or the legacy encrypted-PEM headers. A bare header in code or docs is no key.
            ReadOnlySpan<char> after = line[(match.Index + match.Length)..];
            if (!KeyMaterial().IsMatch(after) && !KeyMaterial().IsMatch(next) && !next.StartsWith("Proc-Type:", StringComparison.Ordinal))
            {
                continue;
            }

            // Labels compared without the armour, so that this file itself is no finding.
            string label = new string(line.Slice(match.Index + 11, match.Length - 16)).Trim();
            SecretKind kind = label switch
            {
                "ENCRYPTED PRIVATE KEY" => SecretKind.EncryptedPrivateKey,
                "OPENSSH PRIVATE KEY" => SecretKind.OpenSshPrivateKey,
                "PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY" or "DSA PRIVATE KEY" => SecretKind.PrivateKey,
                _ => SecretKind.OtherPrivateKey,
            };
            findings.Add(new SecretFinding(location, kind, number));
        }

        foreach (ValueMatch match in TokenCandidate().EnumerateMatches(line))
        {
            // Exactly a token: not part of a longer word, and its checksum holds (no false positive on look-alikes).
            bool bounded = (match.Index == 0 || !char.IsAsciiLetterOrDigit(line[match.Index - 1]))
                && (match.Index + match.Length == line.Length || !char.IsAsciiLetterOrDigit(line[match.Index + match.Length]));
            if (bounded && ApiTokenFormat.IsWellFormed(line.Slice(match.Index, match.Length)))
            {
                findings.Add(new SecretFinding(location, SecretKind.ApiToken, number));
            }
        }
    }
}
