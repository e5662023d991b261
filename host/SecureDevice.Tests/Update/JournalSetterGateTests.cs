using System.Collections.Generic;
using System.IO;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using SecureDevice.ApiGate;
using SecureDevice.Core.Update;
using Xunit;

namespace SecureDevice.Tests.Update;

/// <summary>
/// The journal's fields change only through its named transitions (docs/update-engine.md, "Named transitions"). Its
/// setters are internal so that the device tests (NFUnitTest and, on the host, NFUnitTest.Update: friend assemblies) can build journals field by field; this
/// gate reads the IL of the real core assembly and fails when any method outside <see cref="UpdateJournal"/> calls one.
/// </summary>
public sealed class JournalSetterGateTests
{
    private const string Journal = "SecureDevice.Core.Update.UpdateJournal";

    [Fact]
    public void Core_OnlyTheJournalCallsItsSetters()
    {
        IReadOnlyList<string> callers = SetterCallers(typeof(UpdateJournal).Assembly.Location);

        // The journal's own transitions are seen, so the scan reads the calls it is meant to police.
        Assert.Contains(Journal + ".CopyFrom", callers);
        Assert.Contains(Journal + ".ToDownloading", callers);
        Assert.All(callers, caller => Assert.StartsWith(Journal + ".", caller));
    }

    [Fact]
    public void DeviceTests_BuildJournalsThroughTheSetters_AndTheGateSeesThem()
    {
        // The friend assembly does write fields (its encoding tests, in the update test assembly, NFUnitTest.Update on
        // the host); the same scan lists those callers, so a core method doing it would be listed too.
        string tests = Path.Combine(Path.GetDirectoryName(typeof(UpdateJournal).Assembly.Location)!, "NFUnitTest.Update.dll");
        IReadOnlyList<string> callers = SetterCallers(tests);
        Assert.Contains(callers, caller => caller.StartsWith("SecureDevice.Tests.Update.UpdateJournalTests.", System.StringComparison.Ordinal));
    }

    // "Namespace.Type.Method" of every method in the assembly at `path` whose IL calls a setter of UpdateJournal, whether
    // defined in the same assembly (MethodDefinition) or referenced from another (MemberReference).
    private static IReadOnlyList<string> SetterCallers(string path)
    {
        using var pe = new PEReader(File.OpenRead(path));
        MetadataReader reader = pe.GetMetadataReader();
        var callers = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach (TypeDefinitionHandle typeHandle in reader.TypeDefinitions)
        {
            TypeDefinition type = reader.GetTypeDefinition(typeHandle);
            foreach (MethodDefinitionHandle methodHandle in type.GetMethods())
            {
                MethodDefinition method = reader.GetMethodDefinition(methodHandle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                foreach (EntityHandle token in IlTokens.Read(pe.GetMethodBody(method.RelativeVirtualAddress)))
                {
                    if (IsJournalSetter(reader, token))
                    {
                        callers.Add(FullName(reader, type) + "." + reader.GetString(method.Name));
                    }
                }
            }
        }

        return new List<string>(callers);
    }

    private static bool IsJournalSetter(MetadataReader reader, EntityHandle token)
    {
        if (token.Kind == HandleKind.MethodDefinition)
        {
            MethodDefinition target = reader.GetMethodDefinition((MethodDefinitionHandle)token);
            return reader.GetString(target.Name).StartsWith("set_", System.StringComparison.Ordinal)
                && FullName(reader, reader.GetTypeDefinition(target.GetDeclaringType())) == Journal;
        }

        if (token.Kind == HandleKind.MemberReference)
        {
            MemberReference member = reader.GetMemberReference((MemberReferenceHandle)token);
            if (member.Parent.Kind != HandleKind.TypeReference || !reader.GetString(member.Name).StartsWith("set_", System.StringComparison.Ordinal))
            {
                return false;
            }

            TypeReference parent = reader.GetTypeReference((TypeReferenceHandle)member.Parent);
            return reader.GetString(parent.Namespace) + "." + reader.GetString(parent.Name) == Journal;
        }

        return false;
    }

    private static string FullName(MetadataReader reader, TypeDefinition type)
    {
        return reader.GetString(type.Namespace) + "." + reader.GetString(type.Name);
    }
}
