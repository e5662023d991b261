using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using SecureDevice.ApiGate;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.ApiGate;

/// <summary>The nanoFramework API gate over the real assemblies, and proof that it rejects what nanoFramework cannot run.</summary>
public sealed class ApiGateTests
{
    private static readonly Lazy<NanoApiListing> Listing = new(() => NanoApiListing.Load(NanoApiListing.DefaultDirectory(RepositoryPaths.Root)));

    private static ApiGateChecker Gate(params string[] own) => new(Listing.Value, own);

    [Fact]
    public void Listings_AreLoaded()
    {
        // Guards against a gate that passes because it read nothing.
        Assert.True(Listing.Value.Count > 3000, "only " + Listing.Value.Count + " doc-IDs loaded");
        Assert.True(Listing.Value.Contains("M:System.Text.Encoding.GetString(System.Byte[],System.Int32,System.Int32)"));
    }

    // The portable core's assemblies: on the device two, the foundation (referencing nothing of ours) and the core (only
    // the foundation); on the host the foundation is split in two so that Stryker.NET can mutate storage and crypto
    // separately (host/SecureDevice.Crypto/SecureDevice.Crypto.csproj says why): the crypto with ByteRange references
    // nothing of ours, the rest of the foundation only the crypto.
    private static string Crypto => typeof(SecureDevice.Core.Crypto.Sha256).Assembly.Location;

    private static string Foundation => typeof(SecureDevice.Core.Text.Hex).Assembly.Location;

    private static string Core => typeof(SecureDevice.Core.Update.UpdateJournal).Assembly.Location;

    private static readonly string[] OwnBelowCore = { "SecureDevice.Crypto", "SecureDevice.Foundation" };

    private static readonly string[] OwnPortable = { "SecureDevice.Crypto", "SecureDevice.Foundation", "SecureDevice.Core" };

    [Fact]
    public void PortableCore_IsTheDeviceAssembliesWithTheCryptoSplitOff()
    {
        Assert.Equal("SecureDevice.Crypto", Path.GetFileNameWithoutExtension(Crypto));
        Assert.Equal("SecureDevice.Crypto", Path.GetFileNameWithoutExtension(typeof(SecureDevice.Core.ByteRange).Assembly.Location));
        Assert.Equal("SecureDevice.Foundation", Path.GetFileNameWithoutExtension(Foundation));
        Assert.Equal("SecureDevice.Core", Path.GetFileNameWithoutExtension(Core));
    }

    [Fact]
    public void Crypto_UsesOnlyNanoFrameworkApi()
    {
        AssertClean(Gate().Check(Crypto), "SecureDevice.Crypto");
    }

    [Fact]
    public void Foundation_UsesOnlyNanoFrameworkApi()
    {
        AssertClean(Gate("SecureDevice.Crypto").Check(Foundation), "SecureDevice.Foundation");
    }

    [Fact]
    public void PortableCore_UsesOnlyNanoFrameworkApi()
    {
        AssertClean(Gate(OwnBelowCore).Check(Core), "SecureDevice.Core");
    }

    [Fact]
    public void TestDoubles_UseOnlyNanoFrameworkApi()
    {
        // The doubles are compiled into the device test assemblies (NFUnitTest), so they are held to the same listings.
        string doubles = typeof(SecureDevice.Doubles.MemoryFileStore).Assembly.Location;
        AssertClean(Gate(OwnPortable).Check(doubles), "SecureDevice.Doubles");
    }

    [Theory]
    [InlineData("NFUnitTest")]
    [InlineData("NFUnitTest.Foundation")]
    [InlineData("NFUnitTest.Update")]
    public void DeviceTests_UseOnlyNanoFrameworkApi(string assembly)
    {
        // The tests run on nanoCLR too, so they are held to the same listings (including the real TestFramework listing):
        // every device test assembly, by its host name (each is NFUnitTest on the device).
        string tests = Path.Combine(Path.GetDirectoryName(Core)!, assembly + ".dll");
        Assert.True(File.Exists(tests), tests + " was not built");
        AssertClean(Gate("SecureDevice.Crypto", "SecureDevice.Foundation", "SecureDevice.Core", "SecureDevice.Doubles").Check(tests), assembly);
    }

    // Every core method that indexes a string (string[i]). On nanoCLR the indexer returns the high surrogate at the position
    // of the low one, so each use is reviewed: all of these only test characters against ASCII sets (a surrogate of either
    // half fails the test in the same way) or read text that was checked to be ASCII first. A new use fails until reviewed.
    private static readonly string[] ReviewedStringIndexers =
    {
        "SecureDevice.Core.Bundle.AppVersion.TryParse",                 // digits and dots only
        "SecureDevice.Core.Bundle.DelegationParser.TryParse",           // compares bytes with the ASCII magic constant
        "SecureDevice.Core.Text.DocumentReader.ReadLowerHex",           // [0-9a-f] checked first
        "SecureDevice.Core.Text.SafeName.IsDeviceId",                   // ASCII set
        "SecureDevice.Core.Text.SafeName.IsDottedName",                 // ASCII set
        "SecureDevice.Core.Text.SafeName.IsIdentifier",                 // ASCII set
        "SecureDevice.Core.Config.DeviceConfigParser.IsHostName",       // ASCII set
        "SecureDevice.Core.Connectivity.ConnectionManager.Ascii",       // compile-time ASCII constants only
        "SecureDevice.Core.Storage.RecordStore.Frame",                  // the ASCII magic constant
        "SecureDevice.Core.Storage.RecordStore.ReadValid",              // the ASCII magic constant
        "SecureDevice.Core.Storage.RecordWriter.WriteAscii",            // refuses any character above 127
        "SecureDevice.Core.Text.AsciiWriter.WriteCleanText",            // printable ASCII kept, anything else written as '?'
        "SecureDevice.Core.Text.AsciiWriter.WriteText",                 // compile-time ASCII keys only
        "SecureDevice.Core.Text.AsciiText.EndsWith",                    // callers' suffixes are ASCII constants: a surrogate half never matches
        "SecureDevice.Core.Text.AsciiText.EqualsIgnoreCase",            // callers compare file names SafeName checked as ASCII first
        "SecureDevice.Core.Text.AsciiText.StartsWith",                  // callers' prefixes are ASCII (topic prefix, URL scheme)
        "SecureDevice.Core.Text.Hex.Encode",                            // indexes its own hex digit constant
        "SecureDevice.Core.Text.Hex.TryDecode",                         // hex digits only
        "SecureDevice.Core.Text.JsonReader.MatchLiteral",               // the literals true, false, null
        "SecureDevice.Core.Text.JsonStringScanner.TextEquals",          // JsonReader.StringEquals: compares with the caller's ASCII constants
        "SecureDevice.Core.Text.UtcTimestamp.Digits",                   // digits only
        "SecureDevice.Core.Text.UtcTimestamp.TryParse",                 // fixed ASCII separators
        "SecureDevice.Core.Update.UpdateOfferParser.IsBundleUrl",       // ASCII set
        "SecureDevice.Core.Update.UpdateOfferParser.IsPort",            // digits only
    };

    [Fact]
    public void PortableCore_IndexesStringsOnlyInReviewedAsciiChecks()
    {
        IReadOnlyList<string> found = MemberUses.Callers(Crypto, "System.String", "get_Chars")
            .Concat(MemberUses.Callers(Foundation, "System.String", "get_Chars"))
            .Concat(MemberUses.Callers(Core, "System.String", "get_Chars")).OrderBy(m => m, StringComparer.Ordinal).ToList();
        Assert.True(found.Count > 5, "the scan found too few string[i] uses to be trusted: " + string.Join(", ", found));
        Assert.Equal(ReviewedStringIndexers.OrderBy(m => m, StringComparer.Ordinal), found);
    }

    public static IEnumerable<object[]> Rejected() => new[]
    {
        new object[] { "List<int>", "var list = new System.Collections.Generic.List<int>(); list.Add(1); return list.Count;", GateRule.Generic, "List" },
        new object[] { "string.Join", "return string.Join(\",\", new string[] { \"a\", \"b\" }).Length;", GateRule.MissingMember, "M:System.String.Join(" },
        new object[] { "Encoding.UTF8.GetString(byte[])", "return System.Text.Encoding.UTF8.GetString(new byte[] { 65 }).Length;", GateRule.MissingMember, "M:System.Text.Encoding.GetString(System.Byte[])" },
        new object[] { "tuple", "(int, int) pair = (1, 2); return pair.Item1 + pair.Item2;", GateRule.Generic, "ValueTuple" },
        new object[] { "string.Replace", "return \"a-b\".Replace(\"-\", \"+\").Length;", GateRule.MissingMember, "M:System.String.Replace(" },
        new object[] { "Math.Max", "return System.Math.Max(1, 2);", GateRule.MissingType, "T:System.Math" },
        new object[] { "multidimensional array", "int[,] grid = new int[2, 2]; grid[1, 1] = 3; return grid[1, 1];", GateRule.MultidimensionalArray, "[0:,0:]" },
        new object[] { "nullable int", "int? maybe = 3; return maybe.HasValue ? maybe.Value : 0;", GateRule.Generic, "Nullable" },
        new object[] { "string interpolation", "int x = 4; return $\"x={x}\".Length;", GateRule.MissingType, "Interpolated" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Gate_RejectsWhatNanoFrameworkLacks(string what, string body, GateRule rule, string targetFragment)
    {
        var violations = CheckSnippet("public class Snippet { public int Run() { " + body + " } }");
        Assert.True(
            violations.Any(v => v.Rule == rule && v.Target.Contains(targetFragment, StringComparison.Ordinal) && v.UsedBy.StartsWith("Snippet.Run", StringComparison.Ordinal)),
            what + " was not rejected as " + rule + " naming " + targetFragment + "; got: " + Describe(violations));
    }

    [Fact]
    public void Gate_RejectsIteratorMethods()
    {
        var violations = CheckSnippet("public class Snippet { public System.Collections.IEnumerable Items() { yield return 1; } }");
        Assert.Contains(violations, v => v.Rule == GateRule.Generic && v.Target.Contains("IEnumerator{System.Object}", StringComparison.Ordinal));
    }

    [Fact]
    public void Gate_RejectsAsyncMethods()
    {
        var violations = CheckSnippet("public class Snippet { public async System.Threading.Tasks.Task Run() { await System.Threading.Tasks.Task.Yield(); } }");
        Assert.Contains(violations, v => v.Target.Contains("System.Threading.Tasks.Task", StringComparison.Ordinal));
        Assert.Contains(violations, v => v.Rule == GateRule.Generic);
    }

    [Fact]
    public void Gate_RejectsGenericDeclarations()
    {
        var violations = CheckSnippet("public class Box<T> { public T Value; } public class Snippet { public T Same<T>(T x) { return x; } }");
        Assert.Contains(violations, v => v.Rule == GateRule.Generic && v.UsedBy == "Box`1");
        Assert.Contains(violations, v => v.Rule == GateRule.Generic && v.UsedBy == "Snippet.Same");
    }

    [Fact]
    public void Gate_RejectsGenericDelegatesEvenThoughNanoFrameworkDeclaresThem()
    {
        var violations = CheckSnippet("public class Snippet { public int Run() { System.Func<int> f = () => 3; return f(); } }");
        Assert.Contains(violations, v => v.Rule == GateRule.Generic && v.Target.Contains("Func", StringComparison.Ordinal));
    }

    [Fact]
    public void Gate_AcceptsTheNanoFrameworkWayOfDoingTheSameThings()
    {
        const string Source = @"
using System.Collections;
using System.Text;
public class Snippet
{
    public string Run(byte[] bytes)
    {
        ArrayList list = new ArrayList();
        list.Add(Encoding.UTF8.GetString(bytes, 0, bytes.Length));
        Hashtable table = new Hashtable();
        table[""k""] = list.Count;
        foreach (DictionaryEntry entry in table)
        {
            list.Add(entry.Key);
            list.Add(entry.Value);
        }

        string one = string.Format(""{0}"", list.Count);
        string many = string.Format(""{0}-{1}-{2}-{3}"", new object[] { 1, 2, 3, 4 });
        return one + many + list[0] + table[""k""] + bytes.Length.ToString();
    }
}";
        var violations = CheckSnippet(Source);
        Assert.True(violations.Count == 0, Describe(violations));
    }

    [Fact]
    public void Gate_ResolvesMembersDeclaredOnABaseType()
    {
        // .NET declares ArgumentNullException's message property on Exception; the walk up .NET's hierarchy must find it.
        var violations = CheckSnippet("public class Snippet { public string Run() { return new System.ArgumentNullException(\"x\").Message; } }");
        Assert.True(violations.Count == 0, Describe(violations));
    }

    private static IReadOnlyList<GateViolation> CheckSnippet(string source)
    {
        using MemoryStream image = SnippetCompiler.Compile(source);
        return Gate().Check(image);
    }

    private static void AssertClean(IReadOnlyList<GateViolation> violations, string assembly)
    {
        Assert.True(violations.Count == 0, assembly + " steps outside nanoFramework's API:\n" + Describe(violations));
    }

    private static string Describe(IReadOnlyList<GateViolation> violations) =>
        violations.Count == 0 ? "(none)" : string.Join("\n", violations.Select(v => "  " + v));
}
