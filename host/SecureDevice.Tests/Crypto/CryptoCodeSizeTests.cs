using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using SecureDevice.Core.Crypto;
using Xunit;

namespace SecureDevice.Tests.Crypto;

/// <summary>
/// Byte-code budgets of the unrolled crypto, read from the compiled core (the configuration the tests were built in). The
/// nanoFramework MetadataProcessor fails above 65,535 bytes of byte code per assembly, so unrolling for speed has a price;
/// the figures and the trade-offs are in docs/crypto-performance.md.
/// </summary>
public sealed class CryptoCodeSizeTests
{
    [Theory]
    // Issue 16 capped Sha256.Compress at 6,144 bytes; the 16-round design needs 3,120 (Release) / 3,137 (Debug), and the
    // budgets below keep each hot method near what it needs so that growth is a decision, not an accident.
    [InlineData(typeof(Sha256), "Compress", 3300)]
    [InlineData(typeof(Field25519), "Multiply", 1100)]
    [InlineData(typeof(Field25519), "Square", 900)]
    public void HotMethod_ByteCode_StaysWithinBudget(System.Type type, string method, int budgetBytes)
    {
        int size = MethodBodySize(type, method);
        Assert.True(size <= budgetBytes, type.Name + "." + method + " is " + size + " bytes of IL; budget " + budgetBytes);
    }

    private static int MethodBodySize(System.Type type, string name)
    {
        using FileStream stream = File.OpenRead(type.Assembly.Location);
        using var pe = new PEReader(stream);
        MetadataReader metadata = pe.GetMetadataReader();
        TypeDefinition definition = metadata.TypeDefinitions.Select(metadata.GetTypeDefinition)
            .Single(t => metadata.GetString(t.Name) == type.Name && metadata.GetString(t.Namespace) == type.Namespace);
        MethodDefinition method = definition.GetMethods().Select(metadata.GetMethodDefinition).Single(m => metadata.GetString(m.Name) == name);
        return pe.GetMethodBody(method.RelativeVirtualAddress).Size;
    }
}
