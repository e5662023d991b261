using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SecureDevice.ApiGate;
using SecureDevice.NanoBuild;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Solution;

/// <summary>
/// The nanoFramework projects compiled here as the nanoFramework build would compile them: against the real
/// nanoFramework mscorlib.dll 1.17.11 from NuGet and reference assemblies generated from the API listings; and every
/// assembly held under 80 % of the MetadataProcessor's 65,535-byte byte-code and string tables, in Release and Debug.
/// </summary>
public sealed class NanoBuildTests
{
    private static readonly Lazy<NanoSolution> Solution = new(() => new NanoSolution(RepositoryPaths.Root));

    public static IEnumerable<object[]> Assemblies() =>
        NanoSolution.Projects.SelectMany(p => new[] { NanoConfiguration.Release, NanoConfiguration.Debug }.Select(c => new object[] { p, c }));

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Project_CompilesAgainstTheRealMscorlibAndTheListings(string project, NanoConfiguration configuration)
    {
        NanoAssembly assembly = Solution.Value.Compiler.Compile(Solution.Value.Load(project), configuration);
        Assert.True(assembly.Success, project + " (" + configuration + "):\n" + assembly.Errors);
        Assert.Contains("mscorlib", References(assembly));
    }

    [Theory]
    [InlineData(0, NanoConfiguration.Release, "mscorlib")]
    [InlineData(0, NanoConfiguration.Debug, "mscorlib")]
    [InlineData(1, NanoConfiguration.Release, "SecureDevice.Foundation mscorlib")]
    [InlineData(1, NanoConfiguration.Debug, "SecureDevice.Foundation mscorlib")]
    public void CoreLibraries_NeedOnlyMscorlibAndTheLayerBelowWithoutWarnings(int project, NanoConfiguration configuration, string references)
    {
        NanoAssembly library = Solution.Value.Compiler.Compile(Solution.Value.Load(NanoSolution.Projects[project]), configuration);
        Assert.True(library.Success, library.Errors);
        Assert.Empty(library.Diagnostics.Select(d => d.ToString()));
        Assert.Equal(references.Split(' '), References(library));
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Assembly_StaysUnderEightyPercentOfTheMetadataProcessorTables(string project, NanoConfiguration configuration)
    {
        MeasuredAssembly measured = Solution.Value.Measure(project, configuration);
        Assert.True(measured.Tables != null, project + " does not compile:\n" + measured.Assembly.Errors);
        TableSizes tables = measured.Tables!;
        Assert.True(tables.ByteCode <= TableSizes.Budget, tables.Assembly + " " + configuration + ": byte code " + tables.ByteCode + " > " + TableSizes.Budget
            + "; largest methods: " + string.Join(", ", tables.MethodSizes.OrderByDescending(m => m.Value).Take(5).Select(m => m.Key + " " + m.Value)));
        Assert.True(tables.Strings <= TableSizes.Budget, tables.Assembly + " " + configuration + ": string table " + tables.Strings + " > " + TableSizes.Budget
            + " (dotnet run --project host/SecureDevice.NanoBuild -- strings " + tables.Assembly + " lists the largest)");
    }

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void Assembly_HasNoNullAttributeArgument(string project, NanoConfiguration configuration)
    {
        // The MetadataProcessor 3.0.100 crashes (ArgumentNullException in nanoStringsConstants.TryGetStringIndex) on a null
        // string, array or object in an attribute, e.g. [DataRow("x", null)].
        MeasuredAssembly measured = Solution.Value.Measure(project, configuration);
        Assert.True(measured.Tables != null, measured.Assembly.Errors);
        Assert.Empty(measured.Tables!.NullAttributeArguments);
    }

    [Fact]
    public void Tests_CompileAgainstTheTestFrameworkListingWithCallerArgumentExpressions()
    {
        // The generated TestFramework reference carries [CallerArgumentExpression] as the real one does, so the string table
        // counted here holds each assert's argument text, as the device's does: here the local `willTopic` that
        // ConnectionManagerTests checks (a local's name is stored in no other way).
        MeasuredAssembly tests = Solution.Value.Measure(NanoSolution.Projects[3], NanoConfiguration.Release);
        Assert.True(tests.Tables != null, tests.Assembly.Errors);
        Assert.Contains("willTopic", tests.Tables!.StringSet);
    }

    [Fact]
    public void ListingReference_RefusesWhatTheDeviceLacks()
    {
        // Encoding.GetString(byte[]) exists on .NET but not on nanoFramework: code using it must not compile here.
        var references = TextReference();
        string Compile(string body)
        {
            var compilation = CSharpCompilation.Create("Probe", new[] { CSharpSyntaxTree.ParseText("class P { static object Run() { " + body + " } }", new CSharpParseOptions(LanguageVersion.CSharp9)) },
                references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            return string.Join("\n", compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        }

        Assert.Equal(string.Empty, Compile("return System.Text.Encoding.UTF8.GetString(new byte[1], 0, 1);"));
        Assert.Contains("CS7036", Compile("return System.Text.Encoding.UTF8.GetString(new byte[1]);"));
        Assert.Contains("CS0117", Compile("return System.Text.Encoding.ASCII;"));
    }

    [Fact]
    public void ListingReference_DeclaresEveryListedMemberAndNothingElse()
    {
        ListingFile listing = ListingFile.Load(Path.Combine(NanoApiListing.DefaultDirectory(RepositoryPaths.Root), "nanoFramework.System.Collections.txt"));
        MetadataReference reference = ListingReferenceBuilder.Build(listing, File.ReadAllText(RepositoryPaths.Combine("host", "SecureDevice.NanoBuild", "Shapes", "nanoFramework.System.Collections.cs")), new[] { Mscorlib() });
        var compilation = CSharpCompilation.Create("Probe", references: new[] { Mscorlib(), reference });
        var assembly = (IAssemblySymbol)compilation.GetAssemblyOrModuleSymbol(reference)!;
        var declared = new HashSet<string>(StringComparer.Ordinal);
        void Walk(INamespaceOrTypeSymbol container)
        {
            foreach (ISymbol member in container.GetMembers())
            {
                if (member is INamespaceSymbol ns)
                {
                    Walk(ns);
                }
                else if (member.DeclaredAccessibility == Accessibility.Public && !member.IsImplicitlyDeclared && member is not IMethodSymbol { AssociatedSymbol: not null } && member.Name != "value__")
                {
                    declared.Add(member.GetDocumentationCommentId()!);
                    if (member is INamedTypeSymbol type)
                    {
                        Walk(type);
                    }
                }
            }
        }

        Walk(assembly.GlobalNamespace);
        Assert.Equal(listing.Ids.OrderBy(i => i, StringComparer.Ordinal), declared.OrderBy(i => i, StringComparer.Ordinal));
    }

    [Fact]
    public void ListingReference_RefusesAShapeMemberTheListingLacks()
    {
        ListingFile listing = ListingFile.Load(Path.Combine(NanoApiListing.DefaultDirectory(RepositoryPaths.Root), "nanoFramework.System.Text.txt"));
        string shape = "namespace System.Text { public abstract class Encoding { public static Encoding ASCII { get; } } }";
        var error = Assert.Throws<InvalidDataException>(() => ListingReferenceBuilder.Build(listing, shape, new[] { Mscorlib() }));
        Assert.Contains("P:System.Text.Encoding.ASCII", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListingReference_ShapesFinalizersEventsAndNestedDelegatesAsTheSourcesDeclareThem()
    {
        // nanoFramework types with native resources declare `~Type()` (listed as Finalize), and events whose delegate type
        // is nested in an interface (M2Mqtt's IMqttClient): a shape writes them as the sources do.
        using var folder = new TemporaryDirectory();
        string path = folder.Combine("Probe.txt");
        File.WriteAllLines(path, new[]
        {
            "# assembly: Probe", "# assembly version: 1.0.0.0", "# nuget package: Probe 1.0.0 (lib/Probe.dll)",
            "E:Probe.IClient.Changed", "E:Probe.Native.Changed",
            "M:Probe.IClient.ChangedHandler.#ctor(System.Object,System.IntPtr)", "M:Probe.IClient.ChangedHandler.BeginInvoke(System.Object,System.AsyncCallback,System.Object)",
            "M:Probe.IClient.ChangedHandler.EndInvoke(System.IAsyncResult)", "M:Probe.IClient.ChangedHandler.Invoke(System.Object)",
            "M:Probe.Native.#ctor", "M:Probe.Native.Finalize", "M:Probe.Native.Open(System.UInt32@)",
            "T:Probe.IClient", "T:Probe.IClient.ChangedHandler", "T:Probe.Native",
        });
        ListingFile listing = ListingFile.Load(path);
        string shape = "namespace Probe { public interface IClient { public delegate void ChangedHandler(object sender); event ChangedHandler Changed; }"
            + " public sealed class Native : IClient { public Native(); ~Native(); public event IClient.ChangedHandler Changed; public static bool Open(out uint handle); } }";
        MetadataReference reference = ListingReferenceBuilder.Build(listing, shape, new[] { Mscorlib() });

        var compilation = CSharpCompilation.Create("Probe.User", new[] { CSharpSyntaxTree.ParseText(
                "class U { static bool Run() { var n = new Probe.Native(); n.Changed += s => { }; uint h; return Probe.Native.Open(out h); } }") },
            new[] { Mscorlib(), reference }, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
        var native = compilation.GetTypeByMetadataName("Probe.Native")!;
        Assert.Equal("M:Probe.Native.Finalize", Assert.Single(native.GetMembers("Finalize")).GetDocumentationCommentId());

        // A finalizer the listing lacks is refused like any other unlisted member.
        var error = Assert.Throws<InvalidDataException>(() => ListingReferenceBuilder.Build(listing, shape.Replace("public sealed class Native", "public sealed class Other { ~Other(); } public sealed class Native", StringComparison.Ordinal), new[] { Mscorlib() }));
        Assert.Contains("M:Probe.Other.Finalize", error.Message, StringComparison.Ordinal);
    }

    private static MetadataReference Mscorlib() => MetadataReference.CreateFromFile(NanoCompiler.DefaultMscorlibPath());

    private static MetadataReference[] TextReference()
    {
        ListingFile listing = ListingFile.Load(Path.Combine(NanoApiListing.DefaultDirectory(RepositoryPaths.Root), "nanoFramework.System.Text.txt"));
        string shape = File.ReadAllText(RepositoryPaths.Combine("host", "SecureDevice.NanoBuild", "Shapes", "nanoFramework.System.Text.cs"));
        return new[] { Mscorlib(), ListingReferenceBuilder.Build(listing, shape, new[] { Mscorlib() }) };
    }

    private static List<string> References(NanoAssembly assembly)
    {
        using var pe = new System.Reflection.PortableExecutable.PEReader(new MemoryStream(assembly.Image.ToArray()));
        var reader = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
        return reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name)).OrderBy(n => n, StringComparer.Ordinal).ToList();
    }
}
