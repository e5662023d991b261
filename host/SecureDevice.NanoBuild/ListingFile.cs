using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace SecureDevice.NanoBuild;

/// <summary>One API listing of ../shared/nanoframework-api: the assembly it describes and its doc-IDs.</summary>
public sealed class ListingFile
{
    private ListingFile(string path, string assembly, Version version, string package, string packageVersion, IReadOnlyList<string> ids)
    {
        Path = path;
        Assembly = assembly;
        AssemblyVersion = version;
        Package = package;
        PackageVersion = packageVersion;
        Ids = ids;
    }

    /// <summary>Listing file.</summary>
    public string Path { get; }

    /// <summary>Assembly simple name ("# assembly:").</summary>
    public string Assembly { get; }

    /// <summary>Assembly version ("# assembly version:").</summary>
    public Version AssemblyVersion { get; }

    /// <summary>NuGet package that ships the assembly.</summary>
    public string Package { get; }

    /// <summary>Version of that package.</summary>
    public string PackageVersion { get; }

    /// <summary>Every doc-ID, in file order.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Reads every listing in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<ListingFile> LoadAll(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException("nanoFramework API listings not found at " + directory + " (set SECUREDEVICE_NF_API_DIR)");
        }

        return Directory.GetFiles(directory, "*.txt").OrderBy(f => f, StringComparer.Ordinal).Select(Load).ToList();
    }

    /// <summary>Reads one listing.</summary>
    /// <exception cref="InvalidDataException">A header line is missing or malformed.</exception>
    public static ListingFile Load(string path)
    {
        string? assembly = null;
        Version? version = null;
        string? package = null;
        string? packageVersion = null;
        var ids = new List<string>();
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.Trim();
            if (line.StartsWith("# assembly:", StringComparison.Ordinal))
            {
                assembly = line.Substring("# assembly:".Length).Trim();
            }
            else if (line.StartsWith("# assembly version:", StringComparison.Ordinal))
            {
                version = Version.Parse(line.Substring("# assembly version:".Length).Trim());
            }
            else if (line.StartsWith("# nuget package:", StringComparison.Ordinal))
            {
                Match match = Regex.Match(line, @"^# nuget package: (?<id>\S+) (?<version>\S+) ");
                if (match.Success)
                {
                    package = match.Groups["id"].Value;
                    packageVersion = match.Groups["version"].Value;
                }
            }
            else if (line.Length > 0 && !line.StartsWith('#'))
            {
                ids.Add(line);
            }
        }

        if (assembly == null || version == null || package == null || packageVersion == null)
        {
            throw new InvalidDataException(path + ": the header must name the assembly, its version and its NuGet package");
        }

        return new ListingFile(path, assembly, version, package, packageVersion, ids);
    }
}
