using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using SecureDevice.ApiGate;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Solution;

/// <summary>
/// The nanoFramework solution cannot be built here, so its files are checked for what the nanoFramework extensions need
/// and for agreement with each other, the host build and the API listings.
/// </summary>
public sealed class NanoProjectTests
{
    private static readonly XNamespace MsBuild = "http://schemas.microsoft.com/developer/msbuild/2003";

    // The package set pinned by the foundation issue (nanoFramework samples, mid-2026).
    private static readonly Dictionary<string, string> PinnedFirmwarePackages = new()
    {
        ["nanoFramework.CoreLibrary"] = "1.17.11",
        ["nanoFramework.Runtime.Events"] = "1.11.37",
        ["nanoFramework.Runtime.Native"] = "1.7.11",
        ["nanoFramework.System.Collections"] = "1.5.75",
        ["nanoFramework.System.Text"] = "1.3.42",
        ["nanoFramework.System.Threading"] = "1.1.52",
        ["nanoFramework.System.IO.Streams"] = "1.1.96",
        ["nanoFramework.System.Net"] = "1.11.60",
        ["nanoFramework.M2Mqtt"] = "5.1.220",
        ["nanoFramework.System.Net.Http.Client"] = "1.5.210",
        ["nanoFramework.Hardware.Esp32"] = "1.6.40",
        ["nanoFramework.System.Device.Wifi"] = "1.5.149",
        ["nanoFramework.Networking.Sntp"] = "1.6.42",
        ["nanoFramework.System.IO.FileSystem"] = "1.1.93",
        ["nanoFramework.System.Device.Adc"] = "1.1.24",
        ["nanoFramework.System.Security.Cryptography"] = "1.0.43",
    };

    private const string FoundationProject = "DeviceFirmware/Foundation/SecureDevice.Foundation.nfproj";
    private const string CoreProject = "DeviceFirmware/Core/SecureDevice.Core.nfproj";
    private const string TestProject = "DeviceFirmware.Tests/DeviceFirmware.Tests.nfproj";
    private const string UpdateTestProject = "DeviceFirmware.Tests.Update/DeviceFirmware.Tests.Update.nfproj";
    private const string UpdateTestHostProject = "host/NFUnitTest.Update/NFUnitTest.Update.csproj";
    private const string FoundationTestProject = "DeviceFirmware.Tests.Foundation/DeviceFirmware.Tests.Foundation.nfproj";
    private const string FoundationTestHostProject = "host/NFUnitTest.Foundation/NFUnitTest.Foundation.csproj";

    public static IEnumerable<object[]> Projects() => new[]
    {
        new object[] { FoundationProject },
        new object[] { CoreProject },
        new object[] { "DeviceFirmware/DeviceFirmware.nfproj" },
        new object[] { TestProject },
        new object[] { FoundationTestProject },
        new object[] { UpdateTestProject },
    };

    public static IEnumerable<object[]> TestProjects() => new[] { new object[] { TestProject }, new object[] { FoundationTestProject }, new object[] { UpdateTestProject } };

    [Fact]
    public void FirmwarePackages_AreExactlyThePinnedSet()
    {
        var packages = Packages("DeviceFirmware/packages.config");
        Assert.Equal(PinnedFirmwarePackages.OrderBy(p => p.Key), packages.ToDictionary(p => p.Id, p => p.Version).OrderBy(p => p.Key));
        Assert.All(packages, p => Assert.Equal("netnano1.0", p.TargetFramework));
        Assert.DoesNotContain(packages, p => p.Id == "nanoFramework.System.Net.Http");
    }

    [Theory]
    [MemberData(nameof(TestProjects))]
    public void TestPackages_PinTheTestFrameworkAsDevelopmentDependency(string project)
    {
        var packages = Packages(Path.Combine(Path.GetDirectoryName(project)!, "packages.config"));
        var framework = Assert.Single(packages, p => p.Id == "nanoFramework.TestFramework");
        Assert.Equal("3.0.80", framework.Version);
        Assert.True(framework.DevelopmentDependency);
        foreach (var package in packages.Where(p => p.Id != "nanoFramework.TestFramework"))
        {
            Assert.Equal(PinnedFirmwarePackages[package.Id], package.Version);
        }
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Project_HasTheLegacyNanoFrameworkShape(string project)
    {
        XDocument document = XDocument.Load(RepositoryPaths.Combine(project));
        string text = File.ReadAllText(RepositoryPaths.Combine(project));
        Assert.Contains("{11A8DD76-328B-46DF-9F39-F559912D0360};{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}", Property(document, "ProjectTypeGuids"));
        Assert.Equal("v1.0", Property(document, "TargetFrameworkVersion"));
        var imports = document.Descendants(MsBuild + "Import").Select(i => (Project: (string)i.Attribute("Project")!, Condition: (string?)i.Attribute("Condition"))).ToList();
        foreach (string system in new[] { "NFProjectSystem.Default.props", "NFProjectSystem.props", "NFProjectSystem.CSharp.targets" })
        {
            var import = Assert.Single(imports, i => i.Project.EndsWith(system, StringComparison.Ordinal));
            Assert.Equal("Exists('" + import.Project + "')", import.Condition);
        }

        Assert.Contains(imports, i => i.Project.EndsWith(@"..\nfproj.props", StringComparison.Ordinal) && File.Exists(Path.Combine(Path.GetDirectoryName(RepositoryPaths.Combine(project))!, i.Project.Replace('\\', '/'))));
        Assert.True(text.IndexOf("NFProjectSystem.Default.props", StringComparison.Ordinal) < text.IndexOf(@"nfproj.props""", StringComparison.Ordinal), "nfproj.props must come after the project system defaults it overrides");
        Assert.Contains(document.Descendants(MsBuild + "None"), n => (string?)n.Attribute("Include") == "packages.config");
    }

    [Theory]
    [MemberData(nameof(TestProjects))]
    public void TestProject_IsWhatTheNanoFrameworkTestAdapterLoads(string project)
    {
        // Each test project builds NFUnitTest: nanoFramework's UnitTestLauncher runs Assembly.Load("NFUnitTest"), and the
        // adapter runs each project's output alone (nanoFramework's CoreLibrary has 21 test projects, all NFUnitTest).
        XDocument document = XDocument.Load(RepositoryPaths.Combine(project));
        Assert.Equal("NFUnitTest", Property(document, "AssemblyName"));
        Assert.Equal("Library", Property(document, "OutputType"));
        Assert.Equal("true", Property(document, "IsTestProject"));
        Assert.Equal("UnitTest", Property(document, "TestProjectType"));
        Assert.Contains(document.Descendants(MsBuild + "ProjectCapability"), c => (string?)c.Attribute("Include") == "TestContainer");
        string runSettings = Property(document, "RunSettingsFilePath").Replace("$(MSBuildProjectDirectory)", Path.GetDirectoryName(RepositoryPaths.Combine(project)), StringComparison.Ordinal);
        Assert.Equal(RepositoryPaths.Combine("DeviceFirmware.Tests", "nano.runsettings"), Path.GetFullPath(runSettings.Replace('\\', '/')));
        Assert.Equal(new[] { @"..\DeviceFirmware\Foundation\SecureDevice.Foundation.nfproj", @"..\DeviceFirmware\Core\SecureDevice.Core.nfproj" },
            document.Descendants(MsBuild + "ProjectReference").Select(r => (string?)r.Attribute("Include")));

        XDocument emulator = XDocument.Load(RepositoryPaths.Combine("DeviceFirmware.Tests/nano.runsettings"));
        XDocument board = XDocument.Load(RepositoryPaths.Combine("DeviceFirmware.Tests/nano.hardware.runsettings"));
        Assert.Equal("False", emulator.Descendants("IsRealHardware").Single().Value);
        Assert.Equal("True", board.Descendants("IsRealHardware").Single().Value);
    }

    [Theory]
    [InlineData(FoundationProject, "SecureDevice.Foundation", null)]
    [InlineData(CoreProject, "SecureDevice.Core", @"..\Foundation\SecureDevice.Foundation.nfproj")]
    public void CoreLibraries_NeedOnlyMscorlibAndTheLayerBelow(string project, string assembly, string? below)
    {
        // The portable core is two assemblies (one for everything overflows the MetadataProcessor's tables), each on
        // mscorlib alone; the foundation references nothing of ours, the core only the foundation. NanoBuildTests compiles
        // them against the real mscorlib.dll, so a reference upwards does not compile.
        XDocument document = XDocument.Load(RepositoryPaths.Combine(project));
        Assert.Equal("Library", Property(document, "OutputType"));
        Assert.Equal(assembly, Property(document, "AssemblyName"));
        Assert.Equal(below == null ? Array.Empty<string?>() : new[] { below }, document.Descendants(MsBuild + "ProjectReference").Select(r => (string?)r.Attribute("Include")));
        var packages = Packages(Path.Combine(Path.GetDirectoryName(project)!, "packages.config"));
        var only = Assert.Single(packages);
        Assert.Equal("nanoFramework.CoreLibrary", only.Id);
        Assert.Equal(PinnedFirmwarePackages[only.Id], only.Version);
    }

    [Fact]
    public void FirmwareProject_IsAnExecutableWithAnEntryPoint()
    {
        XDocument document = XDocument.Load(RepositoryPaths.Combine("DeviceFirmware/DeviceFirmware.nfproj"));
        Assert.Equal("Exe", Property(document, "OutputType"));
        Assert.Equal(new[] { @"Foundation\SecureDevice.Foundation.nfproj", @"Core\SecureDevice.Core.nfproj" },
            document.Descendants(MsBuild + "ProjectReference").Select(r => (string?)r.Attribute("Include")));
        Assert.Contains("static void Main()", File.ReadAllText(RepositoryPaths.Combine("DeviceFirmware/Program.cs")), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void References_MatchPackagesConfigAndTheApiListings(string project)
    {
        string folder = Path.GetDirectoryName(project)!;
        var packages = Packages(Path.Combine(folder, "packages.config")).ToDictionary(p => p.Id, p => p.Version);
        XDocument document = XDocument.Load(RepositoryPaths.Combine(project));
        var hintPaths = document.Descendants(MsBuild + "HintPath").Select(h => h.Value).ToList();
        var referencedPackages = new HashSet<string>();
        foreach (string hint in hintPaths)
        {
            Match match = Regex.Match(hint, @"^(\.\.\\)+packages\\(?<package>[A-Za-z0-9.]+?)\.(?<version>\d+\.\d+\.\d+)\\lib\\(?<file>[A-Za-z0-9.]+\.(dll|exe))$");
            Assert.True(match.Success, "HintPath not of the form ..\\packages\\<Id>.<Version>\\lib\\<Assembly>: " + hint);
            string id = match.Groups["package"].Value;
            Assert.True(packages.TryGetValue(id, out string? version), hint + " names a package missing from packages.config");
            Assert.Equal(version, match.Groups["version"].Value);
            referencedPackages.Add(id);
        }

        Assert.Equal(packages.Keys.OrderBy(k => k), referencedPackages.OrderBy(k => k));

        // Every listing the gate trusts must describe the exact package version and assembly this project references.
        foreach (var listing in ListingHeaders())
        {
            if (!packages.TryGetValue(listing.Package, out string? pinned))
            {
                continue;
            }

            Assert.True(pinned == listing.Version, listing.File + " describes " + listing.Package + " " + listing.Version + " but " + project + " pins " + pinned);
            Assert.Contains(hintPaths, h => h.EndsWith(@"\lib\" + listing.Assembly, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void EveryPinnedPackage_HasAnApiListing()
    {
        var described = ListingHeaders().Select(l => l.Package).ToHashSet();
        Assert.All(PinnedFirmwarePackages.Keys.Append("nanoFramework.TestFramework"), id => Assert.Contains(id, described));
    }

    [Fact]
    public void CompileLists_MatchTheSourceFiles()
    {
        // Same rule as tools/sync_nfproj.py: the foundation compiles everything under DeviceFirmware/Foundation/, the core
        // everything under DeviceFirmware/Core/, the firmware everything else under DeviceFirmware/, the tests everything
        // under DeviceFirmware.Tests/; no file is compiled twice. (The update and foundation tests: SecondaryTestProject_CompilesItsFilesAndLinksTheSharedOnes.)
        var foundationFiles = SourceFiles("DeviceFirmware/Foundation");
        var coreFiles = SourceFiles("DeviceFirmware/Core");
        var firmwareFiles = SourceFiles("DeviceFirmware").Where(f => !f.StartsWith(@"Core\", StringComparison.Ordinal) && !f.StartsWith(@"Foundation\", StringComparison.Ordinal)).ToList();
        var testFiles = SourceFiles("DeviceFirmware.Tests");
        Assert.Equal(foundationFiles, CompileItems(FoundationProject).Select(c => c.Include).OrderBy(p => p, StringComparer.OrdinalIgnoreCase).ToList());
        Assert.Equal(coreFiles, CompileItems(CoreProject).Select(c => c.Include).OrderBy(p => p, StringComparer.OrdinalIgnoreCase).ToList());
        Assert.Equal(firmwareFiles, CompileItems("DeviceFirmware/DeviceFirmware.nfproj").Select(c => c.Include).OrderBy(p => p, StringComparer.OrdinalIgnoreCase).ToList());
        Assert.Equal(testFiles, CompileItems(TestProject).Select(c => c.Include).OrderBy(p => p, StringComparer.OrdinalIgnoreCase).ToList());
        Assert.True(foundationFiles.Count > 20 && coreFiles.Count > 50 && firmwareFiles.Count > 5 && testFiles.Count > 40, "too few source files found");
    }

    [Theory]
    [InlineData(UpdateTestProject, UpdateTestHostProject)]
    [InlineData(FoundationTestProject, FoundationTestHostProject)]
    public void SecondaryTestProject_CompilesItsFilesAndLinksTheSharedOnes(string project, string hostProject)
    {
        // The update and boot tests, and the foundation tests, compile every file under their folder and, linked from their
        // one place, the support files of DeviceFirmware.Tests they share (tools/sync_nfproj.py UPDATE_LINKED,
        // FOUNDATION_LINKED): never a copy, and never a test class (its cases would run twice). The host build links the
        // same files, except Doubles/, which the host compiles into SecureDevice.Doubles.
        var items = CompileItems(project);
        var own = items.Where(c => !c.Include.StartsWith(@"..\", StringComparison.Ordinal)).Select(c => c.Include).OrderBy(p => p, StringComparer.OrdinalIgnoreCase).ToList();
        Assert.Equal(SourceFiles(Path.GetDirectoryName(project)!), own);
        Assert.True(own.Count > 15, "too few test files found in " + project);

        var linked = items.Where(c => c.Include.StartsWith(@"..\", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(linked);
        var testFiles = SourceFiles("DeviceFirmware.Tests");
        foreach (CompileItem item in linked)
        {
            const string Prefix = @"..\DeviceFirmware.Tests\";
            Assert.StartsWith(Prefix, item.Include, StringComparison.Ordinal);
            string relative = item.Include.Substring(Prefix.Length);
            Assert.Contains(relative, testFiles);
            Assert.Equal(relative, item.Link);
            Assert.DoesNotContain("[TestClass]", File.ReadAllText(RepositoryPaths.Combine("DeviceFirmware.Tests", relative.Replace('\\', '/'))), StringComparison.Ordinal);
        }

        Assert.Empty(own.Intersect(linked.Select(l => l.Link!), StringComparer.OrdinalIgnoreCase));
        var hostLinked = XDocument.Load(RepositoryPaths.Combine(hostProject)).Descendants("Compile")
            .Select(c => (string)c.Attribute("Include")!)
            .Where(i => i.StartsWith("$(RepositoryRoot)/DeviceFirmware.Tests/", StringComparison.Ordinal))
            .Select(i => i.Substring("$(RepositoryRoot)/DeviceFirmware.Tests/".Length).Replace('/', '\\'))
            .ToList();
        Assert.Equal(linked.Select(l => l.Link!).Where(l => !l.StartsWith(@"Doubles\", StringComparison.Ordinal)), hostLinked);
    }

    [Fact]
    public void PortableCore_DoesNotReachIntoAdaptersOrDeviceNamespaces()
    {
        string[] deviceNamespaces = { "nanoFramework.", "System.Device.", "System.IO.FileSystem", "System.Net", "uPLibrary", "SecureDevice.Adapters" };
        foreach (string file in Directory.GetFiles(RepositoryPaths.Combine("DeviceFirmware", "Core"), "*.cs", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(RepositoryPaths.Combine("DeviceFirmware", "Foundation"), "*.cs", SearchOption.AllDirectories)))
        {
            foreach (string line in File.ReadLines(file).Where(l => l.TrimStart().StartsWith("using ", StringComparison.Ordinal)))
            {
                Assert.False(deviceNamespaces.Any(n => line.Contains(n, StringComparison.Ordinal)), Path.GetFileName(file) + ": " + line.Trim());
            }
        }
    }

    [Fact]
    public void LanguageVersion_IsTheSameForDeviceAndHostBuilds()
    {
        XDocument props = XDocument.Load(RepositoryPaths.Combine("nfproj.props"));
        Assert.Equal("9.0", props.Descendants(MsBuild + "LangVersion").Single().Value);
        string hostProps = File.ReadAllText(RepositoryPaths.Combine("host", "Directory.Build.props"));
        Assert.Contains("<PortableLangVersion>9</PortableLangVersion>", hostProps, StringComparison.Ordinal);
        foreach (string project in new[] { "SecureDevice.Crypto/SecureDevice.Crypto.csproj", "SecureDevice.Foundation/SecureDevice.Foundation.csproj", "SecureDevice.Core/SecureDevice.Core.csproj", "NFUnitTest/NFUnitTest.csproj", "NFUnitTest.Foundation/NFUnitTest.Foundation.csproj", "NFUnitTest.Update/NFUnitTest.Update.csproj" })
        {
            Assert.Contains("<LangVersion>$(PortableLangVersion)</LangVersion>", File.ReadAllText(RepositoryPaths.Combine("host", project)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Solution_ListsTheSixNanoFrameworkProjects()
    {
        string solution = File.ReadAllText(RepositoryPaths.Combine("SecureDevice.sln"));
        Assert.Contains(@"""DeviceFirmware\DeviceFirmware.nfproj""", solution, StringComparison.Ordinal);
        Assert.Contains(@"""DeviceFirmware.Tests\DeviceFirmware.Tests.nfproj""", solution, StringComparison.Ordinal);
        Assert.Contains(@"""DeviceFirmware.Tests.Update\DeviceFirmware.Tests.Update.nfproj""", solution, StringComparison.Ordinal);
        Assert.Contains(@"""DeviceFirmware.Tests.Foundation\DeviceFirmware.Tests.Foundation.nfproj""", solution, StringComparison.Ordinal);
        Assert.Contains(@"""DeviceFirmware\Core\SecureDevice.Core.nfproj""", solution, StringComparison.Ordinal);
        Assert.Contains(@"""DeviceFirmware\Foundation\SecureDevice.Foundation.nfproj""", solution, StringComparison.Ordinal);
        Assert.Equal(6, Regex.Matches(solution, @"Project\(""\{11A8DD76-328B-46DF-9F39-F559912D0360\}""\)").Count);
        foreach (Match guid in Regex.Matches(solution, @"Project\(""\{11A8DD76-328B-46DF-9F39-F559912D0360\}""\) = ""[^""]+"", ""[^""]+"", ""(?<guid>\{[^}]+\})"""))
        {
            Assert.Contains(guid.Groups["guid"].Value + ".Release|Any CPU.Build.0", solution, StringComparison.Ordinal);
        }
    }

    private static string Property(XDocument document, string name) =>
        document.Descendants(MsBuild + name).Select(e => e.Value).FirstOrDefault() ?? throw new Xunit.Sdk.XunitException(name + " missing");

    private sealed record Package(string Id, string Version, string TargetFramework, bool DevelopmentDependency);

    private static List<Package> Packages(string path) => XDocument.Load(RepositoryPaths.Combine(path)).Descendants("package")
        .Select(p => new Package((string)p.Attribute("id")!, (string)p.Attribute("version")!, (string)p.Attribute("targetFramework")!, (string?)p.Attribute("developmentDependency") == "true"))
        .ToList();

    private sealed record ListingHeader(string File, string Package, string Version, string Assembly);

    private static IEnumerable<ListingHeader> ListingHeaders()
    {
        string directory = NanoApiListing.DefaultDirectory(RepositoryPaths.Root);
        foreach (string file in Directory.GetFiles(directory, "*.txt"))
        {
            string header = File.ReadLines(file).First(l => l.StartsWith("# nuget package:", StringComparison.Ordinal));
            Match match = Regex.Match(header, @"^# nuget package: (?<id>\S+) (?<version>\S+) \(lib/(?<dll>[^)]+)\)$");
            Assert.True(match.Success, "unexpected listing header in " + file + ": " + header);
            yield return new ListingHeader(Path.GetFileName(file), match.Groups["id"].Value, match.Groups["version"].Value, match.Groups["dll"].Value);
        }
    }

    private static List<string> SourceFiles(string folder)
    {
        string root = RepositoryPaths.Combine(folder);
        return Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f))
            .Where(f => !f.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !f.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => f.Replace(Path.DirectorySeparatorChar, '\\'))
            .OrderBy(f => f, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    private sealed record CompileItem(string Include, string? Link);

    private static List<CompileItem> CompileItems(string project) => XDocument.Load(RepositoryPaths.Combine(project)).Descendants(MsBuild + "Compile")
        .Select(c => new CompileItem((string)c.Attribute("Include")!, (string?)c.Attribute("Link"))).ToList();
}
