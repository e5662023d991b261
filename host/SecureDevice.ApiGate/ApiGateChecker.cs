using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace SecureDevice.ApiGate;

/// <summary>
/// The nanoFramework API gate. Reads a compiled assembly (never loads or runs it) and reports, naming the member used and
/// the type of the checked assembly that used it:
/// <list type="bullet">
/// <item>every generic type or method it declares, instantiates or calls (nanoFramework 1.x has no generics);</item>
/// <item>every multidimensional array;</item>
/// <item>every type or member of another assembly that no nanoFramework listing declares. A member missing on the type .NET
/// names is looked up on .NET's base types in turn (the listings name a member only on its declaring type, and .NET and
/// nanoFramework sometimes declare it at different levels); a call that .NET binds to a fixed-arity overload is accepted when
/// nanoFramework has the same method with a trailing <c>params object[]</c>, to which the device compiler binds the same source.</item>
/// </list>
/// References into <see cref="OwnAssemblies"/> (the firmware's own assemblies, gated separately) are not checked.
/// </summary>
public sealed class ApiGateChecker
{
    private readonly NanoApiListing _listing;

    /// <summary>Creates a gate over <paramref name="listing"/>; <paramref name="ownAssemblies"/> are trusted references.</summary>
    public ApiGateChecker(NanoApiListing listing, IEnumerable<string> ownAssemblies)
    {
        _listing = listing;
        OwnAssemblies = new HashSet<string>(ownAssemblies, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Assembly names whose members are not checked against the listings.</summary>
    public IReadOnlySet<string> OwnAssemblies { get; }

    /// <summary>Checks the assembly file at <paramref name="path"/>.</summary>
    public IReadOnlyList<GateViolation> Check(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Check(stream);
    }

    /// <summary>Checks an assembly image.</summary>
    public IReadOnlyList<GateViolation> Check(Stream image)
    {
        using var pe = new PEReader(image, PEStreamOptions.LeaveOpen);
        MetadataReader reader = pe.GetMetadataReader();
        var run = new Run(this, pe, reader);
        run.CheckAll();
        return run.Violations;
    }

    private sealed class Run
    {
        private readonly ApiGateChecker _gate;
        private readonly PEReader _pe;
        private readonly MetadataReader _reader;
        private readonly SignatureNamer _namer;
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public Run(ApiGateChecker gate, PEReader pe, MetadataReader reader)
        {
            _gate = gate;
            _pe = pe;
            _reader = reader;
            _namer = new SignatureNamer(reader);
        }

        public List<GateViolation> Violations { get; } = new();

        public void CheckAll()
        {
            CheckAttributes("assembly", _reader.GetAssemblyDefinition().GetCustomAttributes());
            foreach (TypeDefinitionHandle typeHandle in _reader.TypeDefinitions)
            {
                TypeDefinition type = _reader.GetTypeDefinition(typeHandle);
                string typeName = _namer.DefinitionName(typeHandle);
                if (typeName == "<Module>")
                {
                    continue;
                }

                if (type.GetGenericParameters().Count > 0)
                {
                    Add(typeName, typeName, GateRule.Generic, "declares a generic type");
                }

                if (!type.BaseType.IsNil)
                {
                    CheckEntity(typeName, type.BaseType);
                }

                foreach (InterfaceImplementationHandle implementation in type.GetInterfaceImplementations())
                {
                    CheckEntity(typeName, _reader.GetInterfaceImplementation(implementation).Interface);
                }

                CheckAttributes(typeName, type.GetCustomAttributes());
                foreach (FieldDefinitionHandle fieldHandle in type.GetFields())
                {
                    FieldDefinition field = _reader.GetFieldDefinition(fieldHandle);
                    string usedBy = typeName + "." + _reader.GetString(field.Name);
                    CheckSignatureType(usedBy, field.DecodeSignature(_namer, null));
                    CheckAttributes(usedBy, field.GetCustomAttributes());
                }

                foreach (PropertyDefinitionHandle property in type.GetProperties())
                {
                    CheckAttributes(typeName, _reader.GetPropertyDefinition(property).GetCustomAttributes());
                }

                foreach (EventDefinitionHandle eventHandle in type.GetEvents())
                {
                    CheckAttributes(typeName, _reader.GetEventDefinition(eventHandle).GetCustomAttributes());
                }

                foreach (MethodDefinitionHandle methodHandle in type.GetMethods())
                {
                    CheckMethod(typeName, methodHandle);
                }
            }
        }

        private void CheckMethod(string typeName, MethodDefinitionHandle handle)
        {
            MethodDefinition method = _reader.GetMethodDefinition(handle);
            string usedBy = typeName + "." + _reader.GetString(method.Name);
            if (method.GetGenericParameters().Count > 0)
            {
                Add(usedBy, usedBy, GateRule.Generic, "declares a generic method");
            }

            MethodSignature<SignatureType> signature = method.DecodeSignature(_namer, null);
            CheckSignatureType(usedBy, signature.ReturnType);
            foreach (SignatureType parameter in signature.ParameterTypes)
            {
                CheckSignatureType(usedBy, parameter);
            }

            CheckAttributes(usedBy, method.GetCustomAttributes());
            foreach (ParameterHandle parameter in method.GetParameters())
            {
                CheckAttributes(usedBy, _reader.GetParameter(parameter).GetCustomAttributes());
            }

            if (method.RelativeVirtualAddress == 0)
            {
                return;
            }

            MethodBodyBlock body = _pe.GetMethodBody(method.RelativeVirtualAddress);
            if (!body.LocalSignature.IsNil)
            {
                StandaloneSignature locals = _reader.GetStandaloneSignature(body.LocalSignature);
                foreach (SignatureType local in locals.DecodeLocalSignature(_namer, null))
                {
                    CheckSignatureType(usedBy, local);
                }
            }

            foreach (EntityHandle token in IlTokens.Read(body))
            {
                CheckEntity(usedBy, token);
            }
        }

        private void CheckAttributes(string usedBy, CustomAttributeHandleCollection attributes)
        {
            foreach (CustomAttributeHandle handle in attributes)
            {
                CustomAttribute attribute = _reader.GetCustomAttribute(handle);
                if (attribute.Constructor.Kind == HandleKind.MemberReference)
                {
                    MemberReference constructor = _reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
                    if (constructor.Parent.Kind == HandleKind.TypeReference
                        && GateAllowList.CompilerEmittedAttributes.Contains(_namer.Reference((TypeReferenceHandle)constructor.Parent).DocName))
                    {
                        continue;
                    }
                }

                CheckEntity(usedBy, attribute.Constructor);
            }
        }

        private void CheckEntity(string usedBy, EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeReference:
                    CheckNamedType(usedBy, _namer.Reference((TypeReferenceHandle)handle));
                    break;
                case HandleKind.TypeSpecification:
                    CheckSignatureType(usedBy, _reader.GetTypeSpecification((TypeSpecificationHandle)handle).DecodeSignature(_namer, null));
                    break;
                case HandleKind.MethodSpecification:
                    MethodSpecification specification = _reader.GetMethodSpecification((MethodSpecificationHandle)handle);
                    ImmutableArray<SignatureType> arguments = specification.DecodeSignature(_namer, null);
                    Add(usedBy, MethodName(specification.Method) + "<" + string.Join(",", arguments.Select(a => a.DocId)) + ">", GateRule.Generic, "calls a generic method");
                    break;
                case HandleKind.MemberReference:
                    CheckMemberReference(usedBy, (MemberReferenceHandle)handle);
                    break;
                default:
                    // Definitions of the checked assembly itself and standalone signatures: checked where they are declared.
                    break;
            }
        }

        private string MethodName(EntityHandle method) => method.Kind switch
        {
            HandleKind.MethodDefinition => _reader.GetString(_reader.GetMethodDefinition((MethodDefinitionHandle)method).Name),
            HandleKind.MemberReference => _reader.GetString(_reader.GetMemberReference((MemberReferenceHandle)method).Name),
            _ => "?",
        };

        private void CheckMemberReference(string usedBy, MemberReferenceHandle handle)
        {
            MemberReference member = _reader.GetMemberReference(handle);
            string name = _reader.GetString(member.Name);
            NamedType parent;
            switch (member.Parent.Kind)
            {
                case HandleKind.TypeReference:
                    parent = _namer.Reference((TypeReferenceHandle)member.Parent);
                    break;
                case HandleKind.TypeSpecification:
                    SignatureType spec = _reader.GetTypeSpecification((TypeSpecificationHandle)member.Parent).DecodeSignature(_namer, null);
                    if (spec.IsGeneric)
                    {
                        Add(usedBy, spec.DocId + "." + name, GateRule.Generic, "uses a member of a generic type instance");
                    }
                    else if (spec.IsMultidimensional)
                    {
                        Add(usedBy, spec.DocId + "." + name, GateRule.MultidimensionalArray, "uses a multidimensional array");
                    }
                    else
                    {
                        CheckSignatureType(usedBy, spec);
                    }

                    return;
                default:
                    return;
            }

            if (parent.IsDefinition || _gate.OwnAssemblies.Contains(parent.AssemblyName!))
            {
                return;
            }

            var candidates = new List<string>();
            if (member.GetKind() == MemberReferenceKind.Field)
            {
                SignatureType fieldType = member.DecodeFieldSignature(_namer, null);
                CheckSignatureType(usedBy, fieldType);
                candidates.Add("F:{0}." + name);
                Resolve(usedBy, parent, candidates, null, "F:" + parent.DocName + "." + name);
                return;
            }

            MethodSignature<SignatureType> signature = member.DecodeMethodSignature(_namer, null);
            if (signature.Header.IsGeneric || signature.GenericParameterCount > 0)
            {
                Add(usedBy, "M:" + parent.DocName + "." + name, GateRule.Generic, "calls a generic method");
                return;
            }

            CheckSignatureType(usedBy, signature.ReturnType);
            foreach (SignatureType parameter in signature.ParameterTypes)
            {
                CheckSignatureType(usedBy, parameter);
            }

            string[] parameterIds = signature.ParameterTypes.Select(p => p.DocId).ToArray();
            string memberName = name == ".ctor" ? "#ctor" : name == ".cctor" ? "#cctor" : name;
            string suffix = name is "op_Implicit" or "op_Explicit" ? "~" + signature.ReturnType.DocId : string.Empty;
            candidates.Add("M:{0}." + memberName + Parameters(parameterIds) + suffix);
            if (name.StartsWith("get_", StringComparison.Ordinal))
            {
                candidates.Add("P:{0}." + name.Substring(4) + Parameters(parameterIds));
            }
            else if (name.StartsWith("set_", StringComparison.Ordinal) && parameterIds.Length > 0)
            {
                candidates.Add("P:{0}." + name.Substring(4) + Parameters(parameterIds.Take(parameterIds.Length - 1).ToArray()));
            }

            // `entry.Key` compiles to a property call on .NET and to a field access where nanoFramework declares a field
            // (DictionaryEntry.Key/Value): the same source, so a non-indexed accessor may be matched by a listed field.
            if ((name.StartsWith("get_", StringComparison.Ordinal) && parameterIds.Length == 0)
                || (name.StartsWith("set_", StringComparison.Ordinal) && parameterIds.Length == 1))
            {
                candidates.Add("F:{0}." + name.Substring(4));
            }
            else if (name.StartsWith("add_", StringComparison.Ordinal) || name.StartsWith("remove_", StringComparison.Ordinal))
            {
                candidates.Add("E:{0}." + name.Substring(name.IndexOf('_') + 1));
            }

            Resolve(usedBy, parent, candidates, (memberName, parameterIds), string.Format(candidates[0], parent.DocName));
        }

        private static string Parameters(string[] ids) => ids.Length == 0 ? string.Empty : "(" + string.Join(",", ids) + ")";

        // Looks for the member on the named type, then on each .NET base type of it, accepting params-object[] overloads.
        private void Resolve(string usedBy, NamedType parent, List<string> candidates, (string Name, string[] Parameters)? method, string display)
        {
            foreach (string typeName in TypeAndBases(parent))
            {
                if (candidates.Any(c => _gate._listing.Contains(string.Format(c, typeName))))
                {
                    return;
                }

                if (method != null && HasParamsOverload(typeName, method.Value.Name, method.Value.Parameters))
                {
                    return;
                }
            }

            if (!_gate._listing.Contains("T:" + parent.DocName))
            {
                Add(usedBy, "T:" + parent.DocName, GateRule.MissingType, "type does not exist on nanoFramework");
                return;
            }

            Add(usedBy, display, GateRule.MissingMember, "member does not exist on nanoFramework (nor on a base type)");
        }

        private bool HasParamsOverload(string typeName, string name, string[] parameters)
        {
            foreach (string overload in _gate._listing.Overloads("M:" + typeName + "." + name))
            {
                int open = overload.IndexOf('(');
                if (open < 0)
                {
                    continue;
                }

                string[] listed = overload.Substring(open + 1, overload.Length - open - 2).Split(',');
                if (listed[^1] != "System.Object[]" || parameters.Length < listed.Length - 1)
                {
                    continue;
                }

                bool prefixMatches = listed.Take(listed.Length - 1).SequenceEqual(parameters.Take(listed.Length - 1));
                bool restAreObjects = parameters.Skip(listed.Length - 1).All(p => p == "System.Object");
                if (prefixMatches && restAreObjects)
                {
                    return true;
                }
            }

            return false;
        }

        private IEnumerable<string> TypeAndBases(NamedType type)
        {
            yield return type.DocName;
            Type? runtime = RuntimeType(type);
            for (Type? current = runtime?.BaseType; current != null; current = current.BaseType)
            {
                yield return current.FullName!.Replace('+', '.');
            }
        }

        private static Type? RuntimeType(NamedType type)
        {
            if (type.RuntimeName == null || type.AssemblyName == null)
            {
                return null;
            }

            try
            {
                return System.Reflection.Assembly.Load(new System.Reflection.AssemblyName(type.AssemblyName)).GetType(type.RuntimeName, false);
            }
            catch (IOException)
            {
                return null;
            }
            catch (BadImageFormatException)
            {
                return null;
            }
        }

        private void CheckSignatureType(string usedBy, SignatureType type)
        {
            if (type.IsGeneric)
            {
                Add(usedBy, type.DocId, GateRule.Generic, "uses a generic type");
                return;
            }

            if (type.IsMultidimensional)
            {
                Add(usedBy, type.DocId, GateRule.MultidimensionalArray, "uses a multidimensional array");
                return;
            }

            foreach (NamedType named in type.Named)
            {
                CheckNamedType(usedBy, named);
            }
        }

        private void CheckNamedType(string usedBy, NamedType type)
        {
            if (type.IsDefinition || _gate.OwnAssemblies.Contains(type.AssemblyName!))
            {
                return;
            }

            if (!_gate._listing.Contains("T:" + type.DocName))
            {
                Add(usedBy, "T:" + type.DocName, GateRule.MissingType, "type does not exist on nanoFramework");
            }
        }

        private void Add(string usedBy, string target, GateRule rule, string detail)
        {
            string owner = usedBy;
            if (_seen.Add(owner + "|" + target))
            {
                Violations.Add(new GateViolation(owner, target, rule, detail));
            }
        }
    }
}
