using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SecureDevice.ApiGate;

namespace SecureDevice.NanoBuild;

/// <summary>One nanoFramework assembly measured in one configuration.</summary>
/// <param name="Assembly">The compiled assembly (with its diagnostics).</param>
/// <param name="Tables">Its MetadataProcessor table sizes, or null when it did not compile.</param>
public sealed record MeasuredAssembly(NanoAssembly Assembly, TableSizes? Tables)
{
    /// <summary>True when it compiled and both tables are within <see cref="TableSizes.Budget"/>.</summary>
    public bool WithinBudget => Tables != null && Tables.ByteCode <= TableSizes.Budget && Tables.Strings <= TableSizes.Budget;
}

/// <summary>The repository's nanoFramework projects, compiled and measured the way the nanoFramework build would see them.</summary>
public sealed class NanoSolution
{
    /// <summary>
    /// The six nanoFramework projects, in build order. The three test projects build an assembly named NFUnitTest (the name
    /// nanoFramework's UnitTestLauncher loads), so tools name a test assembly by its project (DeviceFirmware.Tests.Update).
    /// </summary>
    public static readonly string[] Projects =
    {
        "DeviceFirmware/Foundation/SecureDevice.Foundation.nfproj",
        "DeviceFirmware/Core/SecureDevice.Core.nfproj",
        "DeviceFirmware/DeviceFirmware.nfproj",
        "DeviceFirmware.Tests/DeviceFirmware.Tests.nfproj",
        "DeviceFirmware.Tests.Foundation/DeviceFirmware.Tests.Foundation.nfproj",
        "DeviceFirmware.Tests.Update/DeviceFirmware.Tests.Update.nfproj",
    };

    /// <summary>The project's name: its file name without .nfproj (e.g. DeviceFirmware.Tests.Update).</summary>
    public static string ProjectName(string project) => Path.GetFileNameWithoutExtension(project);

    private readonly string _root;

    /// <summary>A solution rooted at <paramref name="repositoryRoot"/> (the folder of SecureDevice.sln).</summary>
    public NanoSolution(string repositoryRoot)
    {
        _root = repositoryRoot;
        Compiler = new NanoCompiler(
            NanoApiListing.DefaultDirectory(repositoryRoot),
            Path.Combine(repositoryRoot, "host", "SecureDevice.NanoBuild", "Shapes"),
            NanoCompiler.DefaultMscorlibPath());
    }

    /// <summary>The compiler (cached results, so each project compiles once per configuration).</summary>
    public NanoCompiler Compiler { get; }

    /// <summary>Finds the repository root above <paramref name="start"/>.</summary>
    public static string FindRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SecureDevice.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("SecureDevice.sln not found above " + start);
    }

    /// <summary>Loads one of <see cref="Projects"/>.</summary>
    public NanoProject Load(string project) => NanoProject.Load(Path.Combine(_root, project));

    /// <summary>Compiles and measures <paramref name="project"/> in <paramref name="configuration"/>.</summary>
    public MeasuredAssembly Measure(string project, NanoConfiguration configuration)
    {
        NanoAssembly assembly = Compiler.Compile(Load(project), configuration);
        return new MeasuredAssembly(assembly, assembly.Success ? MetadataProcessorTables.Measure(assembly.Image.ToArray()) : null);
    }

    /// <summary>Every project in both configurations.</summary>
    public IReadOnlyList<MeasuredAssembly> MeasureAll() =>
        Projects.SelectMany(p => new[] { NanoConfiguration.Release, NanoConfiguration.Debug }.Select(c => Measure(p, c))).ToList();
}
