using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace SecureDevice.NanoBuild;

/// <summary>A package assembly an .nfproj references through its HintPath (..\packages\Id.Version\lib\File).</summary>
/// <param name="Package">NuGet package id.</param>
/// <param name="Version">Package version.</param>
/// <param name="FileName">Assembly file inside the package's lib folder.</param>
public sealed record PackageReference(string Package, string Version, string FileName)
{
    /// <summary>Assembly simple name (file name without extension).</summary>
    public string AssemblyName => Path.GetFileNameWithoutExtension(FileName);
}

/// <summary>
/// What the nanoFramework project system reads from a legacy .nfproj: assembly name, output type, the explicit
/// Compile list, package references (HintPath) and project references; plus the language version and constants that
/// nfproj.props adds. Only the parts this repository's projects use are understood; anything else is refused.
/// </summary>
public sealed class NanoProject
{
    private static readonly XNamespace MsBuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    private NanoProject(string path, string assemblyName, bool isExecutable, IReadOnlyList<string> sources, IReadOnlyList<PackageReference> packages, IReadOnlyList<string> projects, string languageVersion, IReadOnlyList<string> constants)
    {
        Path = path;
        AssemblyName = assemblyName;
        IsExecutable = isExecutable;
        Sources = sources;
        Packages = packages;
        ProjectReferences = projects;
        LanguageVersion = languageVersion;
        Constants = constants;
    }

    /// <summary>Full path of the .nfproj.</summary>
    public string Path { get; }

    /// <summary>The assembly the project builds.</summary>
    public string AssemblyName { get; }

    /// <summary>True for OutputType Exe (the firmware), false for a class library.</summary>
    public bool IsExecutable { get; }

    /// <summary>Full paths of the Compile items, in project order.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Package assemblies referenced.</summary>
    public IReadOnlyList<PackageReference> Packages { get; }

    /// <summary>Full paths of referenced .nfproj files.</summary>
    public IReadOnlyList<string> ProjectReferences { get; }

    /// <summary>LangVersion (from nfproj.props).</summary>
    public string LanguageVersion { get; }

    /// <summary>Constants defined for every configuration (from nfproj.props), without DEBUG/TRACE.</summary>
    public IReadOnlyList<string> Constants { get; }

    /// <summary>Reads the project at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The project is not of the shape this repository uses.</exception>
    public static NanoProject Load(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        string folder = System.IO.Path.GetDirectoryName(path)!;
        XDocument project = XDocument.Load(path);
        string assembly = Single(project, "AssemblyName", path);
        string outputType = Single(project, "OutputType", path);
        if (outputType != "Exe" && outputType != "Library")
        {
            throw new InvalidDataException(path + ": OutputType " + outputType + " is not Exe or Library");
        }

        var sources = project.Descendants(MsBuild + "Compile")
            .Select(c => Resolve(folder, (string?)c.Attribute("Include") ?? throw new InvalidDataException(path + ": Compile without Include")))
            .ToList();
        foreach (string source in sources.Where(s => !File.Exists(s)))
        {
            throw new InvalidDataException(path + ": Compile item " + source + " does not exist");
        }

        var packages = new List<PackageReference>();
        foreach (XElement hint in project.Descendants(MsBuild + "HintPath"))
        {
            Match match = Regex.Match(hint.Value, @"^(\.\.\\)+packages\\(?<package>[A-Za-z0-9.]+?)\.(?<version>\d+\.\d+\.\d+)\\lib\\(?<file>[A-Za-z0-9.]+\.(dll|exe))$");
            if (!match.Success)
            {
                throw new InvalidDataException(path + ": HintPath not of the form ..\\packages\\<Id>.<Version>\\lib\\<Assembly>: " + hint.Value);
            }

            packages.Add(new PackageReference(match.Groups["package"].Value, match.Groups["version"].Value, match.Groups["file"].Value));
        }

        var projects = project.Descendants(MsBuild + "ProjectReference")
            .Select(p => Resolve(folder, (string?)p.Attribute("Include") ?? throw new InvalidDataException(path + ": ProjectReference without Include")))
            .ToList();

        // nfproj.props, imported by every project, carries the language version and the project's own constants.
        string? props = project.Descendants(MsBuild + "Import").Select(i => (string?)i.Attribute("Project"))
            .FirstOrDefault(p => p != null && p.EndsWith("nfproj.props", StringComparison.Ordinal));
        if (props == null)
        {
            throw new InvalidDataException(path + ": does not import nfproj.props");
        }

        XDocument shared = XDocument.Load(Resolve(folder, props));
        string language = Single(shared, "LangVersion", props);
        var constants = Single(shared, "DefineConstants", props).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(c => c != "$(DefineConstants)")
            .ToList();
        return new NanoProject(path, assembly, outputType == "Exe", sources, packages, projects, language, constants);
    }

    private static string Single(XDocument document, string name, string file)
    {
        var values = document.Descendants(MsBuild + name).Select(e => e.Value.Trim()).Distinct().ToList();
        return values.Count == 1 ? values[0] : throw new InvalidDataException(file + ": expected one " + name + ", found " + values.Count);
    }

    private static string Resolve(string folder, string relative) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, relative.Replace('\\', System.IO.Path.DirectorySeparatorChar)));
}
