using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NanoTestFramework.Runner;
using Xunit;

namespace SecureDevice.Tests.NanoTestHost;

/// <summary>
/// The host runner runs each nanoFramework test case alone, when it is asked for, as the device's launcher reports
/// them: a coverage tool (Stryker.NET) attributes what runs to the right case, and a failure fails only its own case.
/// </summary>
public sealed class NanoTestRunnerTests
{
    private const string Source = @"
using nanoFramework.TestFramework;
namespace Probe
{
    [TestClass]
    public class Cases
    {
        public static int Ran;
        [TestMethod] public void A_Passes() { Ran = Ran * 10 + 1; }
        [TestMethod] public void B_Fails() { Ran = Ran * 10 + 2; Assert.IsTrue(false); }
        [DataRow(3)] [DataRow(4)] public void C_Row(int value) { Ran = Ran * 10 + value; }
    }

    [TestClass]
    public class WithSetup
    {
        public static int Setups;
        [Setup] public void Prepare() { Setups++; }
        [TestMethod] public void First() { }
        [TestMethod] public void Second() { }
    }
}";

    [Fact]
    public void Result_RunsOnlyTheCaseAskedFor()
    {
        NanoTestRunner runner = new(Compile());
        FieldInfo ran = runner.TestAssembly.GetType("Probe.Cases")!.GetField("Ran")!;
        Assert.True(runner.Result("Probe.Cases.A_Passes").Passed);
        Assert.Equal(1, ran.GetValue(null));
        NanoCaseResult failed = runner.Result("Probe.Cases.B_Fails");
        Assert.False(failed.Passed);
        Assert.Equal(12, ran.GetValue(null));
        Assert.True(runner.Result("Probe.Cases.C_Row#1").Passed);
        Assert.Equal(124, ran.GetValue(null));
        Assert.Equal(new[] { "Probe.Cases.A_Passes", "Probe.Cases.B_Fails", "Probe.Cases.C_Row#0", "Probe.Cases.C_Row#1", "Probe.WithSetup.Prepare", "Probe.WithSetup.First", "Probe.WithSetup.Second" },
            runner.DiscoverCaseIds());
    }

    [Fact]
    public void Result_RunsAClassSetupOnceBeforeItsFirstCase()
    {
        NanoTestRunner runner = new(Compile());
        FieldInfo setups = runner.TestAssembly.GetType("Probe.WithSetup")!.GetField("Setups")!;
        Assert.Equal(0, setups.GetValue(null));
        Assert.True(runner.Result("Probe.WithSetup.Second").Passed);
        Assert.True(runner.Result("Probe.WithSetup.First").Passed);
        Assert.Equal(1, setups.GetValue(null));
    }

    // Each call compiles and loads a fresh assembly, so static state starts at zero.
    private static Assembly Compile()
    {
        string framework = typeof(nanoFramework.TestFramework.Assert).Assembly.Location;
        string runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = Directory.GetFiles(runtime, "*.dll").Where(f => !f.Contains("Native", StringComparison.Ordinal))
            .Select(f => { try { return (MetadataReference)MetadataReference.CreateFromFile(f); } catch (BadImageFormatException) { return null!; } })
            .Where(r => r != null).Append(MetadataReference.CreateFromFile(framework)).ToArray();
        var compilation = CSharpCompilation.Create("Probe" + Guid.NewGuid().ToString("N"), new[] { CSharpSyntaxTree.ParseText(Source) }, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        return new AssemblyLoadContext(null, isCollectible: true).LoadFromStream(image);
    }
}
