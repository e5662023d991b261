using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Solution;

/// <summary>
/// The portable core's layers point one way (docs/layers.md is the table): every name in every core source is bound with
/// Roslyn and each edge between core namespaces must go to a lower rank.
/// </summary>
public sealed class LayerTests
{
    [Fact]
    public void PortableCore_EveryNamespaceEdgePointsDown()
    {
        var layers = ReadTable();
        var violations = Check(CoreSources(), layers);
        Assert.True(violations.Count == 0, "layer violations (docs/layers.md):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void Table_NamesEveryCoreNamespaceAndOnlyThose()
    {
        var layers = ReadTable();
        var declared = CoreSources().Select(s => DeclaredNamespace(s.Tree)).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(declared, layers.Keys.OrderBy(n => n, StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("namespace SecureDevice.Core.Text { public class Probe { public SecureDevice.Core.Update.UpdateState State; } }", "SecureDevice.Core.Text -> SecureDevice.Core.Update")]
    [InlineData("using SecureDevice.Core.Telemetry; namespace SecureDevice.Core.Bundle { public class Probe { public int Reason() { return (int)BootReason.Update; } } }", "SecureDevice.Core.Bundle -> SecureDevice.Core.Telemetry")]
    [InlineData("namespace SecureDevice.Core.Update { public class Probe { public int Count() { return SecureDevice.Core.Application.DeviceAgent.ObserveIntervalMs > 0 ? 1 : 0; } } }", "SecureDevice.Core.Update -> SecureDevice.Core.Application")]
    public void Check_EdgeUpwardOrSideways_Reported(string source, string edge)
    {
        var probe = new Source(CSharpSyntaxTree.ParseText(source, Options, path: Path.Combine(RepositoryPaths.Root, "DeviceFirmware", ProbeFolder(source), "Probe.cs")));
        var violations = Check(CoreSources().Append(probe).ToList(), ReadTable());
        Assert.Contains(violations, v => v.Contains(edge, StringComparison.Ordinal) && v.Contains("Probe.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_FileOutsideItsNamespaceFolder_Reported()
    {
        var probe = new Source(CSharpSyntaxTree.ParseText("namespace SecureDevice.Core.Update { public class Probe { } }", Options,
            path: Path.Combine(RepositoryPaths.Root, "DeviceFirmware", "Core", "Telemetry", "Probe.cs")));
        var violations = Check(CoreSources().Append(probe).ToList(), ReadTable());
        Assert.Contains(violations, v => v.Contains("Probe.cs", StringComparison.Ordinal) && v.Contains("folder", StringComparison.Ordinal));
    }

    private static readonly CSharpParseOptions Options = new(LanguageVersion.CSharp9, DocumentationMode.None);

    private sealed record Source(SyntaxTree Tree);

    private sealed record Layer(int Rank, string Folder);

    private static string ProbeFolder(string source)
    {
        string ns = Regex.Match(source, @"namespace (\S+)").Groups[1].Value;
        string folder = ReadTable()[ns].Folder;
        return folder.Replace('/', Path.DirectorySeparatorChar);
    }

    private static Dictionary<string, Layer> ReadTable()
    {
        var table = new Dictionary<string, Layer>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(RepositoryPaths.Combine("docs", "layers.md")))
        {
            Match row = Regex.Match(line, @"^\| (\d) \| `(SecureDevice\.Core[A-Za-z.]*)` \| `([A-Za-z/]+)` \|");
            if (row.Success)
            {
                table.Add(row.Groups[2].Value, new Layer(int.Parse(row.Groups[1].Value), row.Groups[3].Value));
            }
        }

        Assert.True(table.Count >= 10, "docs/layers.md: table not found");
        return table;
    }

    private static List<Source> CoreSources()
    {
        var sources = new List<Source>();
        foreach (string part in new[] { "Foundation", "Core" })
        {
            string root = RepositoryPaths.Combine("DeviceFirmware", part);
            foreach (string file in Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                string relative = Path.GetRelativePath(root, file);
                if (relative.StartsWith("Properties", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal) || relative.StartsWith("obj", StringComparison.Ordinal))
                {
                    continue;
                }

                sources.Add(new Source(CSharpSyntaxTree.ParseText(File.ReadAllText(file), Options, path: file)));
            }
        }

        return sources;
    }

    private static string DeclaredNamespace(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>().Single().Name.ToString();

    private static List<string> Check(List<Source> sources, Dictionary<string, Layer> layers)
    {
        var compilation = CSharpCompilation.Create("LayerCheck", sources.Select(s => s.Tree), References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Take(3).ToList();
        Assert.True(errors.Count == 0, "core sources do not compile for the layer check: " + string.Join("; ", errors));

        var violations = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Source source in sources)
        {
            string file = Path.GetRelativePath(RepositoryPaths.Root, source.Tree.FilePath).Replace('\\', '/');
            string from = DeclaredNamespace(source.Tree);
            if (!layers.TryGetValue(from, out Layer? fromLayer))
            {
                violations.Add(file + ": namespace " + from + " is not in docs/layers.md");
                continue;
            }

            string folder = Path.GetDirectoryName(file)!.Replace('\\', '/');
            if (folder != "DeviceFirmware/" + fromLayer.Folder)
            {
                violations.Add(file + ": namespace " + from + " belongs in the folder DeviceFirmware/" + fromLayer.Folder);
            }

            SemanticModel model = compilation.GetSemanticModel(source.Tree);
            foreach (SimpleNameSyntax name in source.Tree.GetRoot().DescendantNodes().OfType<SimpleNameSyntax>())
            {
                if (name.Ancestors().Any(a => a is UsingDirectiveSyntax || a is BaseNamespaceDeclarationSyntax && ((BaseNamespaceDeclarationSyntax)a).Name.Span.Contains(name.Span)))
                {
                    continue;
                }

                ISymbol? symbol = model.GetSymbolInfo(name).Symbol;
                INamespaceSymbol? target = symbol switch
                {
                    INamedTypeSymbol type => type.ContainingNamespace,
                    IMethodSymbol or IFieldSymbol or IPropertySymbol or IEventSymbol => symbol.ContainingType?.ContainingNamespace,
                    _ => null,
                };
                string? to = target?.ToDisplayString();
                if (to == null || to == from || !to.StartsWith("SecureDevice.Core", StringComparison.Ordinal))
                {
                    continue;
                }

                if (!layers.TryGetValue(to, out Layer? toLayer))
                {
                    violations.Add(file + ": " + from + " -> " + to + " (not in docs/layers.md)");
                }
                else if (!(toLayer.Rank < fromLayer.Rank || (toLayer.Rank == 0 && fromLayer.Rank == 0)))
                {
                    violations.Add(file + ": " + from + " -> " + to + " (rank " + fromLayer.Rank + " may not use rank " + toLayer.Rank + ")");
                }
            }
        }

        return violations.ToList();
    }

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(f => Path.GetFileName(f).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(f) is "mscorlib.dll" or "netstandard.dll")
            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)).ToArray());
}
