using System;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection.Metadata;

namespace SecureDevice.ApiGate;

/// <summary>Decodes metadata signatures into <see cref="SignatureType"/> values in doc-ID notation.</summary>
public sealed class SignatureNamer : ISignatureTypeProvider<SignatureType, object?>, ICustomAttributeTypeProvider<SignatureType>
{
    private readonly MetadataReader _reader;

    /// <summary>Creates a namer for one assembly.</summary>
    public SignatureNamer(MetadataReader reader) => _reader = reader;

    /// <summary>Doc-ID name of a type definition of the checked assembly.</summary>
    public string DefinitionName(TypeDefinitionHandle handle)
    {
        TypeDefinition definition = _reader.GetTypeDefinition(handle);
        string name = _reader.GetString(definition.Name);
        TypeDefinitionHandle declaring = definition.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return DefinitionName(declaring) + "." + name;
        }

        string ns = _reader.GetString(definition.Namespace);
        return ns.Length == 0 ? name : ns + "." + name;
    }

    /// <summary>The named type a type reference stands for.</summary>
    public NamedType Reference(TypeReferenceHandle handle)
    {
        TypeReference reference = _reader.GetTypeReference(handle);
        string name = _reader.GetString(reference.Name);
        EntityHandle scope = reference.ResolutionScope;
        if (scope.Kind == HandleKind.TypeReference)
        {
            NamedType parent = Reference((TypeReferenceHandle)scope);
            return new NamedType(parent.DocName + "." + name, parent.RuntimeName + "+" + name, parent.AssemblyName);
        }

        string ns = _reader.GetString(reference.Namespace);
        string full = ns.Length == 0 ? name : ns + "." + name;
        string? assembly = scope.Kind switch
        {
            HandleKind.AssemblyReference => _reader.GetString(_reader.GetAssemblyReference((AssemblyReferenceHandle)scope).Name),
            HandleKind.ModuleDefinition => null,
            _ => "?",
        };
        return new NamedType(full, assembly == null ? null : full, assembly);
    }

    /// <inheritdoc />
    public SignatureType GetPrimitiveType(PrimitiveTypeCode typeCode) => SignatureType.Of(new NamedType(typeCode switch
    {
        PrimitiveTypeCode.Boolean => "System.Boolean",
        PrimitiveTypeCode.Byte => "System.Byte",
        PrimitiveTypeCode.SByte => "System.SByte",
        PrimitiveTypeCode.Char => "System.Char",
        PrimitiveTypeCode.Int16 => "System.Int16",
        PrimitiveTypeCode.UInt16 => "System.UInt16",
        PrimitiveTypeCode.Int32 => "System.Int32",
        PrimitiveTypeCode.UInt32 => "System.UInt32",
        PrimitiveTypeCode.Int64 => "System.Int64",
        PrimitiveTypeCode.UInt64 => "System.UInt64",
        PrimitiveTypeCode.Single => "System.Single",
        PrimitiveTypeCode.Double => "System.Double",
        PrimitiveTypeCode.IntPtr => "System.IntPtr",
        PrimitiveTypeCode.UIntPtr => "System.UIntPtr",
        PrimitiveTypeCode.Object => "System.Object",
        PrimitiveTypeCode.String => "System.String",
        PrimitiveTypeCode.TypedReference => "System.TypedReference",
        PrimitiveTypeCode.Void => "System.Void",
        _ => throw new BadImageFormatException("unknown primitive " + typeCode),
    }, null, null));

    /// <inheritdoc />
    public SignatureType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        SignatureType.Of(new NamedType(DefinitionName(handle), null, null));

    /// <inheritdoc />
    public SignatureType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        SignatureType.Of(Reference(handle));

    /// <inheritdoc />
    public SignatureType GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    /// <inheritdoc />
    public SignatureType GetSZArrayType(SignatureType elementType) => SignatureType.Compose(elementType.DocId + "[]", false, false, new[] { elementType });

    /// <inheritdoc />
    public SignatureType GetArrayType(SignatureType elementType, ArrayShape shape) =>
        SignatureType.Compose(elementType.DocId + "[" + string.Join(",", Enumerable.Repeat("0:", shape.Rank)) + "]", false, true, new[] { elementType });

    /// <inheritdoc />
    public SignatureType GetByReferenceType(SignatureType elementType) => SignatureType.Compose(elementType.DocId + "@", false, false, new[] { elementType });

    /// <inheritdoc />
    public SignatureType GetPointerType(SignatureType elementType) => SignatureType.Compose(elementType.DocId + "*", false, false, new[] { elementType });

    /// <inheritdoc />
    public SignatureType GetPinnedType(SignatureType elementType) => elementType;

    /// <inheritdoc />
    public SignatureType GetModifiedType(SignatureType modifier, SignatureType unmodifiedType, bool isRequired) => unmodifiedType;

    /// <inheritdoc />
    public SignatureType GetGenericInstantiation(SignatureType genericType, ImmutableArray<SignatureType> typeArguments)
    {
        string open = genericType.DocId;
        int tick = open.IndexOf('`');
        string stem = tick < 0 ? open : open.Substring(0, tick);
        return SignatureType.Compose(stem + "{" + string.Join(",", typeArguments.Select(t => t.DocId)) + "}", true, false, new[] { genericType }.Concat(typeArguments));
    }

    /// <inheritdoc />
    public SignatureType GetGenericTypeParameter(object? genericContext, int index) => new("`" + index, true, false, ImmutableArray<NamedType>.Empty);

    /// <inheritdoc />
    public SignatureType GetGenericMethodParameter(object? genericContext, int index) => new("``" + index, true, false, ImmutableArray<NamedType>.Empty);

    /// <inheritdoc />
    public SignatureType GetFunctionPointerType(MethodSignature<SignatureType> signature) =>
        SignatureType.Compose("=FUNC:" + signature.ReturnType.DocId, false, false, signature.ParameterTypes.Add(signature.ReturnType));

    /// <inheritdoc />
    public SignatureType GetSystemType() => SignatureType.Of(new NamedType("System.Type", "System.Type", "System.Runtime"));

    /// <inheritdoc />
    public bool IsSystemType(SignatureType type) => type.DocId == "System.Type";

    /// <inheritdoc />
    public SignatureType GetTypeFromSerializedName(string name) => SignatureType.Of(new NamedType(name, name, "?"));

    /// <inheritdoc />
    public PrimitiveTypeCode GetUnderlyingEnumType(SignatureType type) => PrimitiveTypeCode.Int32;
}
