using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SecureDevice.Tests.ApiGate;

/// <summary>Compiles small C# sources against the .NET reference pack, as the host core is compiled, for the gate's own tests.</summary>
public static class SnippetCompiler
{
    private static readonly Lazy<MetadataReference[]> References = new(LoadReferences);

    /// <summary>Compiles <paramref name="source"/> (LangVersion 9, library) and returns the image; fails the test on compile errors.</summary>
    public static MemoryStream Compile(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Snippet" + Guid.NewGuid().ToString("N"),
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp9)) },
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            throw new InvalidOperationException("snippet does not compile: " + string.Join("; ", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        image.Position = 0;
        return image;
    }

    private static MetadataReference[] LoadReferences()
    {
        // The reference pack next to the running shared framework: /usr/share/dotnet/packs/Microsoft.NETCore.App.Ref/<v>/ref/net10.0.
        string runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", ".."));
        string packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        string? referenceDirectory = Directory.Exists(packs)
            ? Directory.GetDirectories(packs).OrderByDescending(d => d, StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "ref", "net10.0")).FirstOrDefault(Directory.Exists)
            : null;
        string[] files = referenceDirectory != null
            ? Directory.GetFiles(referenceDirectory, "*.dll")
            : ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return files.Select(f => (MetadataReference)MetadataReference.CreateFromFile(f)).ToArray();
    }
}
