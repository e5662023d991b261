using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace SecureDevice.ApiGate;

/// <summary>
/// The public API of the nanoFramework assemblies the firmware uses: the union of every doc-ID in the listing files
/// (format in the listing folder's README.md). Assembly placement is ignored on purpose, because .NET and nanoFramework put
/// the same types in different assemblies (Encoding is in nanoFramework.System.Text.dll there).
/// </summary>
public sealed class NanoApiListing
{
    private readonly HashSet<string> _ids;
    private readonly Dictionary<string, List<string>> _membersByTypeAndName;

    private NanoApiListing(HashSet<string> ids)
    {
        _ids = ids;
        _membersByTypeAndName = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string id in ids.Where(i => i.StartsWith("M:", StringComparison.Ordinal)))
        {
            int paren = id.IndexOf('(');
            string key = paren < 0 ? id : id.Substring(0, paren);
            if (!_membersByTypeAndName.TryGetValue(key, out List<string>? list))
            {
                _membersByTypeAndName[key] = list = new List<string>();
            }

            list.Add(id);
        }
    }

    /// <summary>Number of doc-IDs loaded.</summary>
    public int Count => _ids.Count;

    /// <summary>The folder the listings are read from: $SECUREDEVICE_NF_API_DIR, else ../shared/nanoframework-api next to the repository.</summary>
    public static string DefaultDirectory(string repositoryRoot)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("SECUREDEVICE_NF_API_DIR");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        return Path.GetFullPath(Path.Combine(repositoryRoot, "..", "shared", "nanoframework-api"));
    }

    /// <summary>Loads every *.txt listing in <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder or its listings are missing (the gate must not pass vacuously).</exception>
    public static NanoApiListing Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException("nanoFramework API listings not found at " + directory + " (set SECUREDEVICE_NF_API_DIR)");
        }

        string[] files = Directory.GetFiles(directory, "*.txt");
        if (files.Length == 0)
        {
            throw new DirectoryNotFoundException("no *.txt listings in " + directory);
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            foreach (string raw in File.ReadLines(file))
            {
                string line = raw.Trim();
                if (line.Length > 0 && !line.StartsWith('#'))
                {
                    ids.Add(line);
                }
            }
        }

        return new NanoApiListing(ids);
    }

    /// <summary>Builds a listing from doc-IDs directly (tests).</summary>
    public static NanoApiListing FromIds(IEnumerable<string> ids) => new(new HashSet<string>(ids, StringComparer.Ordinal));

    /// <summary>True when the exact doc-ID is listed.</summary>
    public bool Contains(string docId) => _ids.Contains(docId);

    /// <summary>Listed methods (all overloads) named <paramref name="typeAndName"/>, e.g. "M:System.String.Format".</summary>
    public IReadOnlyList<string> Overloads(string typeAndName) =>
        _membersByTypeAndName.TryGetValue(typeAndName, out List<string>? list) ? list : Array.Empty<string>();
}
