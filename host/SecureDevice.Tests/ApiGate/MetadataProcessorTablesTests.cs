using System;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using SecureDevice.ApiGate;
using Xunit;

namespace SecureDevice.Tests.ApiGate;

/// <summary>
/// Known answers for the MetadataProcessor table model: small assemblies whose nanoFramework byte code and strings follow
/// from the rules by hand (docs/nanoframework-build.md), so a wrong rule in the model fails here rather than silently
/// letting an assembly grow past the real tool's limit.
/// </summary>
public sealed class MetadataProcessorTablesTests
{
    [Fact]
    public void ByteCode_PlainInstructions_KeepTheirSize()
    {
        // nop, ldarg, ldc.i4, add, stloc, br.s, ldloc, ret: no operand changes size, and no method header is written.
        TableSizes t = Measure("namespace N { public static class C { public static int F(int a) { return a + 1; } } }", out byte[] image);
        Assert.Equal(Il(image, "F"), t.MethodSizes["N.C::F"]);
        Assert.Equal(9, t.MethodSizes["N.C::F"]);
    }

    [Fact]
    public void ByteCode_TokensStringsAndLongBranches_ShrinkToTwoBytes()
    {
        string source = "namespace N { public static class C {"
            + " public static string S() { return \"hello\"; }"                    // ldstr (5 -> 3), ret
            + " public static int M() { return S().Length; }"                      // call (5 -> 3), callvirt (5 -> 3), ret
            + " public static int L(int a) { int s = 0; for (int i = 0; i < a; i++) { s += i * 3 + 7 * i * i + (s ^ 0x55) + (s >> 3) + (s << 5) + (s | 9) + (s & 17) + (s % 13) + (s / 7) + (s * s) + (s - i) + a * (i + 1) * (i + 2) * (i + 3) * (i + 4) * (i + 5) * (i + 6) * (i + 7) * (i + 8) * (i + 9) * (i + 10) * (i + 11) * (i + 12) * (i + 13) * (i + 14) * (i + 15) * (i + 16) * (i + 17) * (i + 18) * (i + 19) * (i + 20); } return s; }"
            + " } }";
        byte[] image = SnippetCompiler.Compile(source).ToArray();
        TableSizes t = MetadataProcessorTables.Measure(image);
        Assert.Equal(Il(image, "S") - 2, t.MethodSizes["N.C::S"]);
        Assert.Equal(Il(image, "M") - 4, t.MethodSizes["N.C::M"]);
        int longBranches = Opcodes(image, "L").Count(op => op >= 0x38 && op <= 0x44);
        Assert.True(longBranches > 0, "the loop body is meant to need a long branch");
        Assert.Equal(Il(image, "L") - (2 * longBranches), t.MethodSizes["N.C::L"]);
    }

    [Fact]
    public void ByteCode_Switch_IsOneBytePlusTwoPerTarget()
    {
        TableSizes t = Measure("namespace N { public static class C { public static int W(int x) { switch (x) { case 0: return 10; case 1: return 20; case 2: return 30; case 3: return 45; } return 0; } } }", out byte[] image);
        // IL: 1 opcode + 4 count + 4 per target; nano: 1 opcode + 1 count + 2 per target.
        Assert.Equal(Il(image, "W") - (3 + (2 * 4)), t.MethodSizes["N.C::W"]);
    }

    [Fact]
    public void ByteCode_ExceptionHandlers_AddTwelveBytesEachAndACount()
    {
        TableSizes t = Measure("namespace N { public static class C { public static int T(int x) { try { return 10 / x; } catch (System.DivideByZeroException) { return 0; } finally { x++; } } } }", out byte[] image);
        // Two handlers (catch, finally): 2 x 12 bytes and a count byte; long branches and long leaves shrink by 2 each.
        int shrink = 2 * Opcodes(image, "T").Count(op => (op >= 0x38 && op <= 0x44) || op == 0xDD);
        Assert.Equal(Il(image, "T") - shrink + (2 * 12) + 1, t.MethodSizes["N.C::T"]);
    }

    [Fact]
    public void Strings_HoldNamesLiteralsAndAttributeStrings_OnceEach()
    {
        TableSizes t = Measure("namespace N { public class A : System.Attribute { public A(params object[] v) { } public string Named; }"
            + " public class C { public int field; public const int Constant = 3; [A(\"row-text\", 1, Named = \"named-text\")] public string Method(int parameterName) { string localName = \"literal\"; return localName + \"literal\"; } } }");
        foreach (string expected in new[] { string.Empty, "N", "C", "A", "field", "Method", "literal", "row-text", "named-text", "Named", "Snippet" })
        {
            Assert.Contains(expected, t.StringSet.Select(s => s.StartsWith("Snippet", StringComparison.Ordinal) ? "Snippet" : s));
        }

        foreach (string absent in new[] { "Constant", "parameterName", "localName" })
        {
            Assert.DoesNotContain(absent, t.StringSet);
        }

        Assert.Equal(t.StringSet.Sum(s => Encoding.UTF8.GetByteCount(s) + 1), t.Strings);
        Assert.Equal(t.StringSet.Count, t.StringSet.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Strings_AssemblyAttributesAndIgnoredAttributes_AreNotStored()
    {
        TableSizes t = Measure("[assembly: System.Reflection.AssemblyTitle(\"assembly-title\")] namespace N { public class C { [System.Obsolete(\"obsolete-text\")] public void M() { } } }");
        Assert.DoesNotContain("assembly-title", t.StringSet);
        Assert.DoesNotContain("obsolete-text", t.StringSet);
        Assert.DoesNotContain("AssemblyTitleAttribute", t.StringSet);
    }

    [Theory]
    [InlineData("[A(\"x\", null)]")]
    [InlineData("[A(null, 1)]")]
    [InlineData("[B(null)]")]
    public void NullAttributeArguments_AreReported(string attribute)
    {
        TableSizes t = Measure("namespace N { public class A : System.Attribute { public A(params object[] v) { } } public class B : System.Attribute { public B(string s) { } }"
            + " public class C { " + attribute + " public void M() { } } }");
        Assert.Equal(new[] { "N.C::M: N.A" }.Length, t.NullAttributeArguments.Count);
        Assert.StartsWith("N.C::M: ", t.NullAttributeArguments[0], StringComparison.Ordinal);
    }

    [Fact]
    public void NullAttributeArguments_NoneWhenEveryArgumentIsAValue()
    {
        TableSizes t = Measure("namespace N { public class A : System.Attribute { public A(params object[] v) { } } public class C { [A(\"x\", 1, \"\")] public void M() { } } }");
        Assert.Empty(t.NullAttributeArguments);
    }

    private static TableSizes Measure(string source) => Measure(source, out _);

    private static TableSizes Measure(string source, out byte[] image)
    {
        image = SnippetCompiler.Compile(source).ToArray();
        return MetadataProcessorTables.Measure(image);
    }

    // The IL code size of method `name` (the first with that name).
    private static int Il(byte[] image, string name) => Body(image, name).GetILBytes()!.Length;

    private static MethodBodyBlock Body(byte[] image, string name)
    {
        var pe = new PEReader(new MemoryStream(image));
        MetadataReader reader = pe.GetMetadataReader();
        MethodDefinition method = reader.MethodDefinitions.Select(reader.GetMethodDefinition).First(m => reader.GetString(m.Name) == name);
        return pe.GetMethodBody(method.RelativeVirtualAddress);
    }

    // The opcodes of method `name` in order (two-byte opcodes as 0xFExx), decoded with the runtime's opcode table.
    private static int[] Opcodes(byte[] image, string name)
    {
        var table = typeof(System.Reflection.Emit.OpCodes).GetFields().Select(f => (System.Reflection.Emit.OpCode)f.GetValue(null)!).ToDictionary(o => (int)(ushort)o.Value);
        BlobReader il = Body(image, name).GetILReader();
        var found = new System.Collections.Generic.List<int>();
        while (il.RemainingBytes > 0)
        {
            int op = il.ReadByte();
            if (op == 0xFE)
            {
                op = 0xFE00 | il.ReadByte();
            }

            found.Add(op);
            System.Reflection.Emit.OperandType operand = table[op].OperandType;
            il.Offset += operand switch
            {
                System.Reflection.Emit.OperandType.InlineNone => 0,
                System.Reflection.Emit.OperandType.ShortInlineBrTarget or System.Reflection.Emit.OperandType.ShortInlineI or System.Reflection.Emit.OperandType.ShortInlineVar => 1,
                System.Reflection.Emit.OperandType.InlineVar => 2,
                System.Reflection.Emit.OperandType.InlineI8 or System.Reflection.Emit.OperandType.InlineR => 8,
                System.Reflection.Emit.OperandType.InlineSwitch => 4 * il.ReadInt32(),
                _ => 4,
            };
        }

        return found.ToArray();
    }
}
