using System;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Adapters;

/// <summary>
/// Rules for the ESP32 adapters that come from measured runtime behaviour and cannot run here; the decisions themselves
/// live in core types with device tests (InflightWindow, ScanSchedule). These read the adapters' syntax.
/// </summary>
public sealed class AdapterRulesTests
{
    private static SyntaxNode Parse(string relative) =>
        CSharpSyntaxTree.ParseText(File.ReadAllText(RepositoryPaths.Combine("DeviceFirmware", relative))).GetRoot();

    private static MethodDeclarationSyntax Method(SyntaxNode root, string name) =>
        root.DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.Text == name);

    [Fact]
    public void Firmware_NeverSetsSntpServersFromManagedStrings()
    {
        // Sntp.Server1/Server2 hand the native side a pointer into the managed string without copying it.
        foreach (string file in Directory.GetFiles(RepositoryPaths.Combine("DeviceFirmware"), "*.cs", SearchOption.AllDirectories))
        {
            var assignments = CSharpSyntaxTree.ParseText(File.ReadAllText(file)).GetRoot().DescendantNodes().OfType<AssignmentExpressionSyntax>()
                .Where(a => a.Left.ToString().Contains("Server1", StringComparison.Ordinal) || a.Left.ToString().Contains("Server2", StringComparison.Ordinal));
            Assert.True(!assignments.Any(), file + ": " + string.Join("; ", assignments));
        }
    }

    [Fact]
    public void M2MqttTransport_PublishesQos1OnlyWithAWindowSlot()
    {
        // M2Mqtt 5.1.220 leaks a message id when its queue is full: a QoS 1 publish is made only after TryReserve, and every
        // outcome commits or cancels the slot.
        MethodDeclarationSyntax publish = Method(Parse("Adapters/Connectivity/M2MqttTransport.cs"), "Publish");
        string body = publish.Body!.ToString();
        int reserve = body.IndexOf("_inflight.TryReserve()", StringComparison.Ordinal);
        int call = body.IndexOf("client.Publish(", StringComparison.Ordinal);
        Assert.True(reserve > 0 && call > reserve, "TryReserve must come before client.Publish");
        Assert.Contains("_inflight.Commit(", body, StringComparison.Ordinal);
        Assert.Contains("_inflight.Cancel()", body, StringComparison.Ordinal);
        Assert.Contains("_inflight.Acknowledge(", Method(Parse("Adapters/Connectivity/M2MqttTransport.cs"), "OnPublished").Body!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void HttpsBundleSource_BlocksTheMainLoopAtMostTheOpenBudget()
    {
        // DNS, connect and the TLS handshake are not bounded by HttpWebRequest.Timeout: they run on a worker, and Open waits
        // for it with a bound.
        SyntaxNode root = Parse("Adapters/Update/HttpsBundleSource.cs");
        string open = Method(root, "Open").Body!.ToString();
        Assert.DoesNotContain(".GetResponse()", open, StringComparison.Ordinal);
        Assert.Contains("WaitOne(_openBudgetMilliseconds", open, StringComparison.Ordinal);
        Assert.Contains("GetResponse()", Method(root, "Request").Body!.ToString(), StringComparison.Ordinal);
        Assert.Contains("WaitForPendingFinalizers", Method(root, "Released").Body!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void WifiLink_CountsAScanOnlyOnceItStarted()
    {
        string scan = Method(Parse("Adapters/Network/WifiLink.cs"), "RequestSignalScan").Body!.ToString();
        int start = scan.IndexOf("ScanAsync()", StringComparison.Ordinal);
        int started = scan.IndexOf("_scans.OnStarted(", StringComparison.Ordinal);
        Assert.True(start > 0 && started > start, "OnStarted must follow a ScanAsync that returned");
        Assert.Contains("_scans.OnRefused(", scan, StringComparison.Ordinal);
    }

    [Fact]
    public void ApplicationThread_OnlyFlagsItsFailure()
    {
        // The entry point's thread must not call into the update engine, whose buffers the main loop uses.
        string run = Method(Parse("Platform/AssemblyRuntime.cs"), "Run").Body!.ToString();
        Assert.Contains("ReportFailure(", run, StringComparison.Ordinal);
        Assert.DoesNotContain("Engine", run, StringComparison.Ordinal);
        Assert.DoesNotContain("OnApplicationFailed", run, StringComparison.Ordinal);
    }
}
