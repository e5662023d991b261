using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Signing;

namespace SecureDevice.WebConsole.Updates;

/// <summary>
/// Where the console finds the bundles it may offer: <paramref name="Folder"/> holds one signed bundle per sub-folder
/// (as <c>securedevice sign</c> writes them), served to devices at <paramref name="BaseUrl"/> + name + "/" by an update
/// server (<c>UpdateServer</c>, or any HTTPS server); <paramref name="Anchors"/> are the roots devices trust.
/// </summary>
public sealed record BundleSource(string Folder, Uri BaseUrl, TrustAnchors Anchors)
{
    /// <summary>Checks the base URL: absolute https, no credentials, query or fragment, path ending in '/'.</summary>
    public static bool IsValidBaseUrl(Uri url) => url.IsAbsoluteUri && url.Scheme == Uri.UriSchemeHttps && url.UserInfo.Length == 0
        && url.Query.Length == 0 && url.Fragment.Length == 0 && url.AbsolutePath.EndsWith('/') && url.AbsoluteUri.Length <= 256;
}

/// <summary>A bundle as the console lists it: verified (with what it is) or refused (with the reason a device would give).</summary>
public sealed record BundleEntry(string Name, BundleStatus Status, string Detail, string? Product, string? Version, long SecurityVersion, string? ManifestSha256, string Url)
{
    public bool Verified => Status == BundleStatus.Verified && ManifestSha256 != null;
}

/// <summary>
/// Lists and checks the bundles of a <see cref="BundleSource"/> with the device's own verifier (<see cref="BundleChecker"/>:
/// signature chain, install policy, every payload file's size and hash). A bundle is checked again at every offer, never
/// from a cache: a bundle replaced or tampered with after it was listed is refused then.
/// </summary>
public sealed partial class BundleCatalog
{
    /// <summary>Bundles listed at most (the folder is the operator's; a huge folder is cut, never read without end).</summary>
    public const int MaxBundles = 100;

    private readonly BundleSource _source;

    public BundleCatalog(BundleSource source)
    {
        if (!BundleSource.IsValidBaseUrl(source.BaseUrl))
        {
            throw new ArgumentException("the bundle base URL must be https://host[:port]/path/ without query, fragment or credentials", nameof(source));
        }

        _source = source;
    }

    /// <summary>A bundle name: one folder level, no dots first (no "..", no hidden folders), safe in a URL path.</summary>
    public static bool IsValidName(string? name) => name != null && NamePattern().IsMatch(name);

    /// <summary>Every bundle folder (links and other non-folders skipped), checked; sorted by name.</summary>
    public IReadOnlyList<BundleEntry> List(long nowSeconds)
    {
        var names = new List<string>();
        try
        {
            foreach (string path in Directory.EnumerateDirectories(_source.Folder))
            {
                string name = Path.GetFileName(path);
                if (IsValidName(name) && new DirectoryInfo(path).LinkTarget == null)
                {
                    names.Add(name);
                }

                if (names.Count == MaxBundles)
                {
                    break;
                }
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<BundleEntry>();
        }

        names.Sort(StringComparer.Ordinal);
        var entries = new List<BundleEntry>(names.Count);
        foreach (string name in names)
        {
            entries.Add(Check(name, nowSeconds)!);
        }

        return entries;
    }

    /// <summary>Checks one bundle now; null when the name is not a bundle name or no such folder exists.</summary>
    public BundleEntry? Check(string name, long nowSeconds)
    {
        if (!IsValidName(name))
        {
            return null;
        }

        string folder = Path.Combine(_source.Folder, name);
        var info = new DirectoryInfo(folder);
        if (!info.Exists || info.LinkTarget != null)
        {
            return null;
        }

        string url = _source.BaseUrl.AbsoluteUri + name + "/";
        try
        {
            // The digest pins the manifest the device will fetch: read before and after the check, and equal.
            string? before = ManifestDigest(folder);
            BundleCheckResult check = BundleChecker.Check(folder, _source.Anchors, new RevocationList(), nowSeconds);
            string? after = ManifestDigest(folder);
            if (check.Status != BundleStatus.Verified || check.Manifest == null)
            {
                return new BundleEntry(name, check.Status, BundleStatusText.Name(check.Status) + ": " + check.Detail, check.Manifest?.Product, check.Manifest?.Version?.ToString(), 0, null, url);
            }

            if (before == null || before != after)
            {
                return new BundleEntry(name, BundleStatus.FileMissing, "the manifest changed while it was checked", null, null, 0, null, url);
            }

            Manifest m = check.Manifest;
            return new BundleEntry(name, BundleStatus.Verified, "verified: signed by " + m.KeyId + ", " + m.FileCount + " files, " + m.TotalFileBytes + " bytes",
                m.Product, m.Version.ToString(), m.SecurityVersion, before, url);
        }
        catch (FleetException error)
        {
            return new BundleEntry(name, BundleStatus.FileMissing, "unreadable: " + error.Message, null, null, 0, null, url);
        }
    }

    private static string? ManifestDigest(string folder)
    {
        byte[]? manifest = BundleChecker.ReadDocument(folder, BundleLayout.Manifest, ManifestParser.MaxManifestBytes + 1);
        return manifest == null ? null : Convert.ToHexStringLower(SHA256.HashData(manifest));
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
