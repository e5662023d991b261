using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text;

namespace SecureDevice.ApiGate;

/// <summary>What the MetadataProcessor would write for one assembly, in bytes, and what it holds.</summary>
/// <param name="Assembly">Simple name of the measured assembly.</param>
/// <param name="ByteCode">Byte-code table: every method body re-encoded the nanoFramework way.</param>
/// <param name="Strings">String table: distinct UTF-8 strings, each with its NUL, starting with the empty string.</param>
/// <param name="StringSet">The distinct strings counted, for reports of what fills the table.</param>
/// <param name="MethodSizes">Re-encoded byte-code size of every method, by "Type::Method" (overloads summed).</param>
/// <param name="NullAttributeArguments">Attribute arguments that are null (the MetadataProcessor 3.0.100 crashes on them), as "Type::Member: Attribute".</param>
public sealed record TableSizes(
    string Assembly,
    int ByteCode,
    int Strings,
    IReadOnlyCollection<string> StringSet,
    IReadOnlyDictionary<string, int> MethodSizes,
    IReadOnlyList<string> NullAttributeArguments)
{
    /// <summary>The MetadataProcessor's limit for each table: it refuses an assembly above it ("Byte code table overflow", "String table overflow").</summary>
    public const int Limit = 65535;

    /// <summary>The share of <see cref="Limit"/> this project allows (80 %), leaving room to grow between checks.</summary>
    public const int Budget = Limit * 80 / 100;
}

/// <summary>
/// Computes the two tables of a nanoFramework assembly that the MetadataProcessor (3.0.100, the version the nanoFramework
/// build uses) refuses above 65,535 bytes, from the compiled assembly, following its rules (notes in docs/nanoframework-build.md):
/// <list type="bullet">
/// <item>Byte code: every method body of every type but &lt;Module&gt; and the excluded ones, without method headers; opcodes
/// keep their size, but branch targets, string, method, field and type operands shrink from 4 bytes to 2, a calli signature to
/// nothing and a switch to 1 + 2 bytes per target; a method with exception handlers adds 12 bytes per handler and a count byte.</item>
/// <item>Strings: the assembly name; names of the referenced assemblies, types and members that kept code uses; namespace and
/// name of every type; every method name; every field name but constants'; every <c>ldstr</c> literal; the strings inside
/// attributes on types, fields and methods (string and type arguments, elements of object arrays, named-argument names),
/// except ignored attributes'. Deduplicated ordinally, UTF-8 with a NUL each, after an empty string.</item>
/// </list>
/// The real tool leaves out some 860 mscorlib names that nanoCLR has built in (".ctor", "System", "ToString", ...); they are
/// counted here, so the string figure is an upper bound (by at most a few kilobytes, usually a few hundred bytes).
/// </summary>
public static class MetadataProcessorTables
{
    // Attributes the MetadataProcessor does not store (nanoTablesContext.IgnoringAttributes), by full name.
    private static readonly HashSet<string> IgnoredAttributes = new(StringComparer.Ordinal)
    {
        "System.AttributeUsageAttribute", "System.ObsoleteAttribute", "System.FlagsAttribute", "System.CLSCompliantAttribute",
        "System.Diagnostics.ConditionalAttribute", "System.Diagnostics.DebuggerBrowsableAttribute", "System.Diagnostics.DebuggerBrowsableState",
        "System.Diagnostics.DebuggerHiddenAttribute", "System.Diagnostics.DebuggerNonUserCodeAttribute", "System.Diagnostics.DebuggerStepThroughAttribute",
        "System.Diagnostics.DebuggerDisplayAttribute", "System.Diagnostics.DebuggerTypeProxyAttribute", "System.Diagnostics.DebuggableAttribute",
        "System.ComponentModel.EditorBrowsableAttribute", "System.Runtime.CompilerServices.NullableAttribute",
        "System.Runtime.CompilerServices.NullableContextAttribute", "System.Runtime.CompilerServices.NullablePublicOnlyAttribute",
        "System.Runtime.CompilerServices.ExtensionAttribute", "System.Runtime.CompilerServices.MethodImplAttribute",
        "System.ParamArrayAttribute", "System.SerializableAttribute", "System.NonSerializedAttribute",
        "System.Runtime.InteropServices.StructLayoutAttribute", "System.Runtime.InteropServices.LayoutKind",
        "System.Runtime.InteropServices.OutAttribute", "System.Runtime.CompilerServices.InternalsVisibleToAttribute",
        "System.Runtime.CompilerServices.IndexerNameAttribute", "System.Reflection.DefaultMemberAttribute",
        "System.STAThreadAttribute", "System.MTAThreadAttribute", "System.Runtime.CompilerServices.RefSafetyRulesAttribute",
        "System.Reflection.FieldNoReflectionAttribute", "System.Runtime.CompilerServices.AccessedThroughPropertyAttribute",
        "System.Runtime.CompilerServices.IsReadOnlyAttribute", "System.Runtime.CompilerServices.CallerArgumentExpressionAttribute",
    };

    // Types the MetadataProcessor never writes (ClassNamesToExclude defaults); [ExcludeType] types are added per assembly.
    private static readonly string[] ExcludedTypes =
    {
        "ThisAssembly", "System.Runtime.CompilerServices.RefSafetyRulesAttribute", "System.Runtime.CompilerServices.AccessedThroughPropertyAttribute",
    };

    private static readonly OperandType?[] OneByte = new OperandType?[256];
    private static readonly OperandType?[] TwoByte = new OperandType?[256];

    static MetadataProcessorTables()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            ushort value = (ushort)code.Value;
            if (code.Size == 1)
            {
                OneByte[value] = code.OperandType;
            }
            else
            {
                TwoByte[value & 0xff] = code.OperandType;
            }
        }
    }

    /// <summary>Measures the assembly image <paramref name="image"/>.</summary>
    /// <exception cref="BadImageFormatException">The image is not an assembly or its IL is malformed.</exception>
    public static TableSizes Measure(byte[] image)
    {
        using var pe = new PEReader(new MemoryStream(image, writable: false));
        return new Run(pe).Measure();
    }

    /// <summary>Measures the assembly file at <paramref name="path"/>.</summary>
    public static TableSizes Measure(string path) => Measure(File.ReadAllBytes(path));

    private sealed class Run
    {
        private readonly PEReader _pe;
        private readonly MetadataReader _reader;
        private readonly HashSet<string> _strings = new(StringComparer.Ordinal) { string.Empty };
        private readonly HashSet<TypeReferenceHandle> _typeRefs = new();
        private readonly HashSet<MemberReferenceHandle> _memberRefs = new();
        private readonly Dictionary<string, int> _methodSizes = new(StringComparer.Ordinal);
        private readonly List<string> _nullArguments = new();
        private readonly HashSet<string> _excluded;
        private readonly ReferenceCollector _collector;

        public Run(PEReader pe)
        {
            _pe = pe;
            _reader = pe.GetMetadataReader();
            _collector = new ReferenceCollector(_reader, _typeRefs);
            _excluded = new HashSet<string>(ExcludedTypes, StringComparer.Ordinal);
            foreach (TypeDefinitionHandle handle in _reader.TypeDefinitions)
            {
                TypeDefinition type = _reader.GetTypeDefinition(handle);
                if (type.GetCustomAttributes().Any(a => AttributeName(a) == "System.Runtime.CompilerServices.ExcludeTypeAttribute"))
                {
                    _excluded.Add(FullName(handle));
                }
            }
        }

        public TableSizes Measure()
        {
            int byteCode = 0;
            Add(_reader.GetString(_reader.GetAssemblyDefinition().Name));
            foreach (TypeDefinitionHandle handle in _reader.TypeDefinitions)
            {
                if (!Kept(handle))
                {
                    continue;
                }

                TypeDefinition type = _reader.GetTypeDefinition(handle);
                Add(type.GetDeclaringType().IsNil ? _reader.GetString(type.Namespace) : string.Empty);
                Add(_reader.GetString(type.Name));
                _collector.AddCoded(type.BaseType);
                foreach (InterfaceImplementationHandle implementation in type.GetInterfaceImplementations())
                {
                    _collector.AddCoded(_reader.GetInterfaceImplementation(implementation).Interface);
                }

                Attributes(type.GetCustomAttributes(), FullName(handle));
                foreach (FieldDefinitionHandle fieldHandle in type.GetFields())
                {
                    FieldDefinition field = _reader.GetFieldDefinition(fieldHandle);
                    if ((field.Attributes & System.Reflection.FieldAttributes.Literal) != 0)
                    {
                        continue;
                    }

                    Add(_reader.GetString(field.Name));
                    _collector.Signature(field.Signature);
                    Attributes(field.GetCustomAttributes(), FullName(handle) + "::" + _reader.GetString(field.Name));
                }

                foreach (MethodDefinitionHandle methodHandle in type.GetMethods())
                {
                    MethodDefinition method = _reader.GetMethodDefinition(methodHandle);
                    string name = _reader.GetString(method.Name);
                    string key = FullName(handle) + "::" + name;
                    Add(name);
                    _collector.Signature(method.Signature);
                    Attributes(method.GetCustomAttributes(), key);
                    if (method.RelativeVirtualAddress == 0)
                    {
                        continue;
                    }

                    MethodBodyBlock body = _pe.GetMethodBody(method.RelativeVirtualAddress);
                    int size = Body(body);
                    byteCode += size;
                    _methodSizes[key] = _methodSizes.TryGetValue(key, out int before) ? before + size : size;
                }
            }

            // Referenced types (and their enclosing types), the assemblies they come from, and the members used.
            foreach (TypeReferenceHandle typeRef in _typeRefs.ToList())
            {
                for (TypeReferenceHandle current = typeRef; !current.IsNil;)
                {
                    TypeReference reference = _reader.GetTypeReference(current);
                    Add(_reader.GetString(reference.Namespace));
                    Add(_reader.GetString(reference.Name));
                    if (reference.ResolutionScope.Kind == HandleKind.TypeReference)
                    {
                        current = (TypeReferenceHandle)reference.ResolutionScope;
                    }
                    else
                    {
                        if (reference.ResolutionScope.Kind == HandleKind.AssemblyReference)
                        {
                            Add(_reader.GetString(_reader.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name));
                        }

                        current = default;
                    }
                }
            }

            foreach (MemberReferenceHandle memberRef in _reader.MemberReferences)
            {
                MemberReference member = _reader.GetMemberReference(memberRef);
                if (_memberRefs.Contains(memberRef) || (member.Parent.Kind == HandleKind.TypeReference && _typeRefs.Contains((TypeReferenceHandle)member.Parent)))
                {
                    Add(_reader.GetString(member.Name));
                }
            }

            int strings = _strings.Sum(s => Encoding.UTF8.GetByteCount(s) + 1);
            return new TableSizes(
                _reader.GetString(_reader.GetAssemblyDefinition().Name),
                byteCode,
                strings,
                _strings.ToImmutableSortedSet(StringComparer.Ordinal),
                _methodSizes,
                _nullArguments);
        }

        private void Add(string value) => _strings.Add(value);

        private bool Kept(TypeDefinitionHandle handle)
        {
            TypeDefinition type = _reader.GetTypeDefinition(handle);
            string name = _reader.GetString(type.Name);
            if (name == "<Module>" && type.GetDeclaringType().IsNil)
            {
                return false;
            }

            TypeDefinitionHandle declaring = type.GetDeclaringType();
            return !_excluded.Contains(FullName(handle)) && !_excluded.Contains(name) && (declaring.IsNil || !_excluded.Contains(FullName(declaring)));
        }

        // Cecil's full name: Namespace.Outer/Inner.
        private string FullName(TypeDefinitionHandle handle)
        {
            TypeDefinition type = _reader.GetTypeDefinition(handle);
            TypeDefinitionHandle declaring = type.GetDeclaringType();
            if (!declaring.IsNil)
            {
                return FullName(declaring) + "/" + _reader.GetString(type.Name);
            }

            string ns = _reader.GetString(type.Namespace);
            return ns.Length == 0 ? _reader.GetString(type.Name) : ns + "." + _reader.GetString(type.Name);
        }

        private string AttributeName(CustomAttributeHandle handle)
        {
            CustomAttribute attribute = _reader.GetCustomAttribute(handle);
            EntityHandle type = attribute.Constructor.Kind switch
            {
                HandleKind.MemberReference => _reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent,
                HandleKind.MethodDefinition => _reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType(),
                _ => default,
            };
            return type.Kind switch
            {
                HandleKind.TypeReference => ReferenceName((TypeReferenceHandle)type),
                HandleKind.TypeDefinition => FullName((TypeDefinitionHandle)type).Replace('/', '.'),
                _ => string.Empty,
            };
        }

        private string ReferenceName(TypeReferenceHandle handle)
        {
            TypeReference reference = _reader.GetTypeReference(handle);
            string name = _reader.GetString(reference.Name);
            if (reference.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                return ReferenceName((TypeReferenceHandle)reference.ResolutionScope) + "." + name;
            }

            string ns = _reader.GetString(reference.Namespace);
            return ns.Length == 0 ? name : ns + "." + name;
        }

        // Attributes on a type, field or method: kept unless ignored or from System.Diagnostics.CodeAnalysis; their string
        // arguments go to the string table, and their constructor's type is referenced.
        private void Attributes(CustomAttributeHandleCollection attributes, string owner)
        {
            foreach (CustomAttributeHandle handle in attributes)
            {
                string name = AttributeName(handle);
                if (IgnoredAttributes.Contains(name) || name.StartsWith("System.Diagnostics.CodeAnalysis.", StringComparison.Ordinal))
                {
                    continue;
                }

                CustomAttribute attribute = _reader.GetCustomAttribute(handle);
                if (attribute.Constructor.Kind == HandleKind.MemberReference)
                {
                    _memberRefs.Add((MemberReferenceHandle)attribute.Constructor);
                    _collector.AddEntity(_reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent);
                }

                CustomAttributeValue<AttributeArgumentType> value;
                try
                {
                    value = attribute.DecodeValue(AttributeArgumentProvider.Instance);
                }
                catch (Exception error) when (error is BadImageFormatException or ArgumentException or InvalidOperationException)
                {
                    continue;
                }

                foreach (CustomAttributeTypedArgument<AttributeArgumentType> argument in value.FixedArguments)
                {
                    Argument(argument, owner, name);
                }

                foreach (CustomAttributeNamedArgument<AttributeArgumentType> argument in value.NamedArguments)
                {
                    if (argument.Name != null)
                    {
                        Add(argument.Name);
                    }

                    Argument(new CustomAttributeTypedArgument<AttributeArgumentType>(argument.Type, argument.Value), owner, name);
                }
            }
        }

        private void Argument(CustomAttributeTypedArgument<AttributeArgumentType> argument, string owner, string attribute)
        {
            if (argument.Value is ImmutableArray<CustomAttributeTypedArgument<AttributeArgumentType>> elements)
            {
                // string[] arguments write nothing; object[] elements are written one by one.
                if (argument.Type.Name != "System.String[]")
                {
                    foreach (CustomAttributeTypedArgument<AttributeArgumentType> element in elements)
                    {
                        Argument(element, owner, attribute);
                    }
                }

                return;
            }

            if (argument.Value == null && (argument.Type.IsString || argument.Type.IsArray || argument.Type.IsType || argument.Type.IsObject))
            {
                _nullArguments.Add(owner + ": " + attribute);
                return;
            }

            if (argument.Value is string text)
            {
                Add(text);
            }
        }

        private int Body(MethodBodyBlock body)
        {
            BlobReader il = body.GetILReader();
            int size = 0;
            while (il.RemainingBytes > 0)
            {
                byte first = il.ReadByte();
                OperandType? operand;
                if (first == 0xFE)
                {
                    operand = TwoByte[il.ReadByte()];
                    size += 2;
                }
                else
                {
                    operand = OneByte[first];
                    size += 1;
                }

                switch (operand ?? throw new BadImageFormatException("unknown IL opcode 0x" + first.ToString("x2")))
                {
                    case OperandType.InlineNone:
                        break;
                    case OperandType.ShortInlineBrTarget:
                    case OperandType.ShortInlineI:
                    case OperandType.ShortInlineVar:
                        il.Offset += 1;
                        size += 1;
                        break;
                    case OperandType.InlineVar:
                        il.Offset += 2;
                        size += 2;
                        break;
                    case OperandType.InlineI:
                    case OperandType.ShortInlineR:
                        il.Offset += 4;
                        size += 4;
                        break;
                    case OperandType.InlineI8:
                    case OperandType.InlineR:
                        il.Offset += 8;
                        size += 8;
                        break;
                    case OperandType.InlineBrTarget:
                        il.Offset += 4;
                        size += 2;
                        break;
                    case OperandType.InlineString:
                        Add(_reader.GetUserString(MetadataTokens.UserStringHandle(il.ReadInt32() & 0xFFFFFF)));
                        size += 2;
                        break;
                    case OperandType.InlineField:
                    case OperandType.InlineMethod:
                    case OperandType.InlineType:
                        Token(MetadataTokens.EntityHandle(il.ReadInt32()));
                        size += 2;
                        break;
                    case OperandType.InlineTok:
                        Token(MetadataTokens.EntityHandle(il.ReadInt32()));
                        size += 4;
                        break;
                    case OperandType.InlineSig:
                        il.Offset += 4;
                        break;
                    case OperandType.InlineSwitch:
                        int targets = il.ReadInt32();
                        il.Offset += 4 * targets;
                        size += 1 + (2 * targets);
                        break;
                    default:
                        throw new BadImageFormatException("unhandled operand type " + operand);
                }
            }

            if (!body.LocalSignature.IsNil)
            {
                _collector.Signature(_reader.GetStandaloneSignature(body.LocalSignature).Signature);
            }

            foreach (ExceptionRegion region in body.ExceptionRegions)
            {
                _collector.AddEntity(region.CatchType);
            }

            return size + (body.ExceptionRegions.Length > 0 ? (12 * body.ExceptionRegions.Length) + 1 : 0);
        }

        private void Token(EntityHandle handle)
        {
            if (handle.Kind == HandleKind.MemberReference)
            {
                _memberRefs.Add((MemberReferenceHandle)handle);
                MemberReference member = _reader.GetMemberReference((MemberReferenceHandle)handle);
                _collector.AddEntity(member.Parent);
                _collector.Signature(member.Signature);
            }
            else if (handle.Kind == HandleKind.MethodSpecification)
            {
                Token(_reader.GetMethodSpecification((MethodSpecificationHandle)handle).Method);
            }
            else
            {
                _collector.AddEntity(handle);
            }
        }
    }

    // Finds the type references a signature, a type specification or a coded index names.
    private sealed class ReferenceCollector : ISignatureTypeProvider<int, object?>
    {
        private readonly MetadataReader _reader;
        private readonly HashSet<TypeReferenceHandle> _found;

        public ReferenceCollector(MetadataReader reader, HashSet<TypeReferenceHandle> found)
        {
            _reader = reader;
            _found = found;
        }

        public void AddCoded(EntityHandle handle) => AddEntity(handle);

        public void AddEntity(EntityHandle handle)
        {
            if (handle.IsNil)
            {
                return;
            }

            switch (handle.Kind)
            {
                case HandleKind.TypeReference:
                    _found.Add((TypeReferenceHandle)handle);
                    break;
                case HandleKind.TypeSpecification:
                    _reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(this, null);
                    break;
                case HandleKind.MemberReference:
                    AddEntity(_reader.GetMemberReference((MemberReferenceHandle)handle).Parent);
                    break;
            }
        }

        // Decodes a field, method or local-variables signature, recording every type reference in it.
        public void Signature(BlobHandle blob)
        {
            if (blob.IsNil)
            {
                return;
            }

            var decoder = new SignatureDecoder<int, object?>(this, _reader, null);
            BlobReader reader = _reader.GetBlobReader(blob);
            SignatureHeader header = reader.ReadSignatureHeader();
            reader.Reset();
            switch (header.Kind)
            {
                case SignatureKind.Field:
                    decoder.DecodeFieldSignature(ref reader);
                    break;
                case SignatureKind.LocalVariables:
                    decoder.DecodeLocalSignature(ref reader);
                    break;
                case SignatureKind.Method:
                case SignatureKind.Property:
                    decoder.DecodeMethodSignature(ref reader);
                    break;
            }
        }

        public int GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind)
        {
            _found.Add(handle);
            return 0;
        }

        public int GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => 0;

        public int GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind)
        {
            reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);
            return 0;
        }

        public int GetPrimitiveType(PrimitiveTypeCode typeCode) => 0;

        public int GetSZArrayType(int elementType) => 0;

        public int GetArrayType(int elementType, ArrayShape shape) => 0;

        public int GetByReferenceType(int elementType) => 0;

        public int GetPointerType(int elementType) => 0;

        public int GetPinnedType(int elementType) => 0;

        public int GetGenericInstantiation(int genericType, ImmutableArray<int> typeArguments) => 0;

        public int GetGenericMethodParameter(object? genericContext, int index) => 0;

        public int GetGenericTypeParameter(object? genericContext, int index) => 0;

        public int GetFunctionPointerType(MethodSignature<int> signature) => 0;

        public int GetModifiedType(int modifier, int unmodifiedType, bool isRequired) => 0;
    }

    // Decodes custom attribute blobs far enough to find strings, types and nulls.
    private sealed class AttributeArgumentProvider : ICustomAttributeTypeProvider<AttributeArgumentType>
    {
        public static readonly AttributeArgumentProvider Instance = new();

        public AttributeArgumentType GetPrimitiveType(PrimitiveTypeCode typeCode) =>
            new(typeCode == PrimitiveTypeCode.String ? "System.String" : typeCode == PrimitiveTypeCode.Object ? "System.Object" : typeCode.ToString(), typeCode);

        public AttributeArgumentType GetSystemType() => new("System.Type", null);

        public AttributeArgumentType GetSZArrayType(AttributeArgumentType elementType) => new(elementType.Name + "[]", null);

        public AttributeArgumentType GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
            new(reader.GetString(reader.GetTypeDefinition(handle).Name), null);

        public AttributeArgumentType GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
            new(reader.GetString(reader.GetTypeReference(handle).Name), null);

        public AttributeArgumentType GetTypeFromSerializedName(string name) => new(name, null);

        public PrimitiveTypeCode GetUnderlyingEnumType(AttributeArgumentType type) => PrimitiveTypeCode.Int32;

        public bool IsSystemType(AttributeArgumentType type) => type.Name == "System.Type";
    }

    private sealed record AttributeArgumentType(string Name, PrimitiveTypeCode? Code)
    {
        public bool IsString => Code == PrimitiveTypeCode.String;

        public bool IsObject => Code == PrimitiveTypeCode.Object;

        public bool IsType => Name == "System.Type";

        public bool IsArray => Name.EndsWith("[]", StringComparison.Ordinal);
    }
}
