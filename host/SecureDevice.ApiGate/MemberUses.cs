using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace SecureDevice.ApiGate;

/// <summary>Finds the methods of an assembly whose IL calls a given external member (for reviewed-use rules).</summary>
public static class MemberUses
{
    /// <summary>"Type.Method" of every method in <paramref name="path"/> that calls <paramref name="typeName"/>::<paramref name="memberName"/>, sorted.</summary>
    public static IReadOnlyList<string> Callers(string path, string typeName, string memberName)
    {
        using var pe = new PEReader(File.OpenRead(path));
        MetadataReader reader = pe.GetMetadataReader();
        var namer = new SignatureNamer(reader);
        var callers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (TypeDefinitionHandle typeHandle in reader.TypeDefinitions)
        {
            foreach (MethodDefinitionHandle methodHandle in reader.GetTypeDefinition(typeHandle).GetMethods())
            {
                MethodDefinition method = reader.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                foreach (EntityHandle token in IlTokens.Read(pe.GetMethodBody(method.RelativeVirtualAddress)))
                {
                    if (token.Kind != HandleKind.MemberReference)
                    {
                        continue;
                    }

                    MemberReference member = reader.GetMemberReference((MemberReferenceHandle)token);
                    if (member.Parent.Kind == HandleKind.TypeReference && reader.GetString(member.Name) == memberName
                        && namer.Reference((TypeReferenceHandle)member.Parent).DocName == typeName)
                    {
                        callers.Add(namer.DefinitionName(typeHandle) + "." + reader.GetString(method.Name));
                    }
                }
            }
        }

        return callers.ToList();
    }
}
