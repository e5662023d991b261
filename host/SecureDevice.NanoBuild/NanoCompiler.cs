using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;

namespace SecureDevice.NanoBuild;

/// <summary>The nanoFramework build configurations: Debug (DEBUG;TRACE, not optimised) and Release (TRACE, optimised).</summary>
public enum NanoConfiguration
{
    /// <summary>What Visual Studio builds by default and the test adapter deploys to nanoCLR.</summary>
    Debug,

    /// <summary>What README deploys to a board.</summary>
    Release,
}

/// <summary>One compiled nanoFramework assembly.</summary>
/// <param name="Project">The project it came from.</param>
/// <param name="Configuration">Debug or Release.</param>
/// <param name="Image">The assembly as csc would write it (what the MetadataProcessor reads).</param>
/// <param name="Diagnostics">Compiler errors and warnings (CS1591 excluded).</param>
public sealed record NanoAssembly(NanoProject Project, NanoConfiguration Configuration, ImmutableArray<byte> Image, IReadOnlyList<Diagnostic> Diagnostics)
{
    /// <summary>True when there is no compiler error.</summary>
    public bool Success => Diagnostics.All(d => d.Severity != DiagnosticSeverity.Error);

    /// <summary>The errors, one per line.</summary>
    public string Errors => string.Join("\n", Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
}

/// <summary>
/// Compiles .nfproj projects here as the nanoFramework build does (same compiler family, the project's own Compile list,
/// LangVersion and constants, no standard library), against the real nanoFramework mscorlib.dll and against reference
/// assemblies built from the API listings for every other nanoFramework package (<see cref="ListingReferenceBuilder"/>).
/// Project references are compiled first, in the same configuration.
/// </summary>
public sealed class NanoCompiler
{
    // The order in which listing assemblies are built: each may use the ones before it that the same project references
    // (base types across assemblies).
    private static readonly string[] BuildOrder =
    {
        "nanoFramework.System.Text", "nanoFramework.System.Collections", "nanoFramework.Runtime.Events", "nanoFramework.Runtime.Native",
        "System.Threading", "System.IO.Streams", "System.Net", "System.Net.Http", "nanoFramework.M2Mqtt.Core", "nanoFramework.M2Mqtt",
        "nanoFramework.Hardware.Esp32", "System.Device.Adc", "System.Device.Wifi", "nanoFramework.Networking.Sntp", "System.IO.FileSystem",
        "nanoFramework.System.Security.Cryptography", "nanoFramework.TestFramework",
    };

    private readonly Dictionary<string, ListingFile> _listings;
    private readonly string _shapes;
    private readonly MetadataReference _mscorlib;
    private readonly Dictionary<string, MetadataReference> _built = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, NanoConfiguration), NanoAssembly> _compiled = new();

    /// <summary>Creates a compiler over the listings in <paramref name="listingDirectory"/>, the shapes in <paramref name="shapeDirectory"/> and the real mscorlib at <paramref name="mscorlibPath"/>.</summary>
    public NanoCompiler(string listingDirectory, string shapeDirectory, string mscorlibPath)
    {
        if (!File.Exists(mscorlibPath))
        {
            throw new FileNotFoundException("the nanoFramework mscorlib.dll (package nanoFramework.CoreLibrary) is not at " + mscorlibPath + "; restore host/SecureDevice.NanoBuild", mscorlibPath);
        }

        _listings = ListingFile.LoadAll(listingDirectory).ToDictionary(l => l.Assembly, StringComparer.Ordinal);
        _shapes = shapeDirectory;
        _mscorlib = MetadataReference.CreateFromFile(mscorlibPath);
        MscorlibPath = mscorlibPath;
    }

    /// <summary>The real mscorlib.dll used.</summary>
    public string MscorlibPath { get; }

    /// <summary>Where the real mscorlib.dll 1.17.11 is after `dotnet restore` of this project.</summary>
    public static string DefaultMscorlibPath()
    {
        string? root = typeof(NanoCompiler).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "NanoPackagesRoot")?.Value;
        if (string.IsNullOrEmpty(root))
        {
            root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        return Path.Combine(root, "nanoframework.corelibrary", "1.17.11", "lib", "mscorlib.dll");
    }

    /// <summary>Compiles <paramref name="project"/> (and, first, the projects it references) in <paramref name="configuration"/>.</summary>
    public NanoAssembly Compile(NanoProject project, NanoConfiguration configuration)
    {
        if (_compiled.TryGetValue((project.Path, configuration), out NanoAssembly? done))
        {
            return done;
        }

        var references = new List<MetadataReference>();
        var listed = new HashSet<string>(project.Packages.Select(p => p.AssemblyName), StringComparer.Ordinal);
        foreach (PackageReference package in project.Packages)
        {
            MetadataReference? reference = Package(package, listed);
            if (reference != null)
            {
                references.Add(reference);
            }
        }

        foreach (string referenced in project.ProjectReferences)
        {
            NanoAssembly dependency = Compile(NanoProject.Load(referenced), configuration);
            if (!dependency.Success)
            {
                throw new InvalidOperationException(Path.GetFileName(referenced) + " does not compile (" + configuration + "):\n" + dependency.Errors);
            }

            references.Add(MetadataReference.CreateFromImage(dependency.Image, filePath: dependency.Project.AssemblyName + ".dll"));
        }

        var constants = project.Constants.Concat(configuration == NanoConfiguration.Debug ? new[] { "DEBUG", "TRACE" } : new[] { "TRACE" }).ToList();
        var parse = new CSharpParseOptions(LanguageVersionFacts.TryParse(project.LanguageVersion, out LanguageVersion version) ? version : throw new InvalidDataException("LangVersion " + project.LanguageVersion), preprocessorSymbols: constants);
        var trees = project.Sources.Select(s => CSharpSyntaxTree.ParseText(File.ReadAllText(s), parse, path: s, encoding: Encoding.UTF8)).ToList();
        var options = new CSharpCompilationOptions(
                project.IsExecutable ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: configuration == NanoConfiguration.Release ? OptimizationLevel.Release : OptimizationLevel.Debug,
                nullableContextOptions: NullableContextOptions.Disable,
                warningLevel: 4,
                deterministic: true)
            .WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic> { ["CS1591"] = ReportDiagnostic.Suppress });
        CSharpCompilation compilation = CSharpCompilation.Create(project.AssemblyName, trees, references, options);
        using var image = new MemoryStream();
        EmitResult result = compilation.Emit(image);
        var diagnostics = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        var assembly = new NanoAssembly(project, configuration, result.Success ? image.ToArray().ToImmutableArray() : ImmutableArray<byte>.Empty, diagnostics);
        _compiled[(project.Path, configuration)] = assembly;
        return assembly;
    }

    /// <summary>
    /// The reference for a package assembly: the real mscorlib, or one built from its listing over the other package
    /// assemblies in <paramref name="available"/>; null for a package file nothing compiles against (the test launcher).
    /// </summary>
    public MetadataReference? Package(PackageReference package, IReadOnlySet<string> available)
    {
        if (package.AssemblyName == "mscorlib")
        {
            if (package.Package != "nanoFramework.CoreLibrary" || package.Version != "1.17.11")
            {
                throw new InvalidDataException("mscorlib must come from nanoFramework.CoreLibrary 1.17.11, the version that restores here; the project pins " + package.Package + " " + package.Version);
            }

            return _mscorlib;
        }

        if (!_listings.TryGetValue(package.AssemblyName, out ListingFile? listing))
        {
            // nanoFramework.UnitTestLauncher.exe ships in the TestFramework package for the test adapter; no code uses it.
            return package.FileName.EndsWith(".exe", StringComparison.Ordinal) ? null
                : throw new InvalidDataException("no API listing describes " + package.FileName + " (" + package.Package + " " + package.Version + ")");
        }

        if (listing.Package != package.Package || listing.PackageVersion != package.Version)
        {
            throw new InvalidDataException(Path.GetFileName(listing.Path) + " describes " + listing.Package + " " + listing.PackageVersion + ", the project pins " + package.Package + " " + package.Version);
        }

        return Listing(listing.Assembly, available);
    }

    private MetadataReference Listing(string assembly, IReadOnlySet<string> available)
    {
        string key = assembly + "|" + string.Join(",", available.OrderBy(a => a, StringComparer.Ordinal));
        if (_built.TryGetValue(key, out MetadataReference? built))
        {
            return built;
        }

        int position = Array.IndexOf(BuildOrder, assembly);
        if (position < 0)
        {
            throw new InvalidDataException(assembly + " is not in NanoCompiler's build order");
        }

        var references = new List<MetadataReference> { _mscorlib };
        for (int i = 0; i < position; i++)
        {
            if (available.Contains(BuildOrder[i]))
            {
                references.Add(Listing(BuildOrder[i], available));
            }
        }

        string shapePath = Path.Combine(_shapes, assembly + ".cs");
        string? shape = File.Exists(shapePath) ? File.ReadAllText(shapePath) : null;
        built = ListingReferenceBuilder.Build(_listings[assembly], shape, references);
        _built[key] = built;
        return built;
    }
}
