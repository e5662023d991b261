using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection.Metadata;

namespace SecureDevice.ApiGate;

/// <summary>A named type that a signature mentions: its doc-ID name and, for references, where .NET resolves it.</summary>
/// <param name="DocName">Doc-ID form, nested types joined by '.', e.g. "System.Text.Encoding".</param>
/// <param name="RuntimeName">Reflection form for Type.GetType, nested types joined by '+', or null for a definition in the checked assembly.</param>
/// <param name="AssemblyName">The defining assembly's name as referenced, or null for a definition in the checked assembly.</param>
public sealed record NamedType(string DocName, string? RuntimeName, string? AssemblyName)
{
    /// <summary>True for types defined in the checked assembly.</summary>
    public bool IsDefinition => AssemblyName == null;
}

/// <summary>A decoded signature type in doc-ID notation, with what the gate needs to know about it.</summary>
/// <param name="DocId">Doc-ID notation ("System.Int32[]", "System.Byte@", "System.Collections.Generic.List{System.Int32}").</param>
/// <param name="IsGeneric">Contains a generic instantiation or a generic parameter.</param>
/// <param name="IsMultidimensional">Contains a multidimensional array.</param>
/// <param name="Named">Every named type mentioned, outermost first.</param>
public sealed record SignatureType(string DocId, bool IsGeneric, bool IsMultidimensional, ImmutableArray<NamedType> Named)
{
    /// <summary>A plain named type.</summary>
    public static SignatureType Of(NamedType type) => new(type.DocName, false, false, ImmutableArray.Create(type));

    /// <summary>Combines flags and named types of several parts under a new doc-ID.</summary>
    public static SignatureType Compose(string docId, bool generic, bool multidimensional, IEnumerable<SignatureType> parts) =>
        new(docId, generic || parts.Any(p => p.IsGeneric), multidimensional || parts.Any(p => p.IsMultidimensional), parts.SelectMany(p => p.Named).ToImmutableArray());
}
