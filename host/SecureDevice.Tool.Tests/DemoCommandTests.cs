using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.Lab.Demo;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tool.Tests;

/// <summary>README's main command: <c>securedevice demo</c> must run green, as CI proves on every change.</summary>
[Collection("broker")]
public sealed class DemoCommandTests
{
    [Fact]
    public void Demo_WithoutKeep_EveryCheckHolds_AndExits()
    {
        ToolResult result = ToolRun.Run("demo", "--devices", "2", "--refusal-plugin", RefusalCounterBuild.Path);
        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Matches(@"all \d+ checks held\r?\n$", result.Output);
        Assert.DoesNotContain("FAIL", result.Output);
        Assert.DoesNotContain("/setup?Token=", result.Output);
        Assert.DoesNotContain("\u001b[", result.Output);
    }

    /// <summary>
    /// README's main command with --keep: after the checks the fleet service keeps running with its console on
    /// 127.0.0.1 over HTTPS (the demo PKI's certificate), prints the console URL and a one-time admin setup link (no
    /// default password), serves until Ctrl-C (SIGINT: exit 0), and leaves a reusable workspace behind.
    /// </summary>
    [Fact]
    public async Task Demo_Keep_EveryCheckHolds_ThenServesTheConsoleWithAOneTimeAdminLink_UntilSigint_AndKeepsTheWorkspace()
    {
        using var folder = new TemporaryDirectory();
        string keep = folder.Combine("demo");
        string[] output;
        using (LiveTool demo = LiveTool.Start("demo", "--devices", "3", "--keep", keep, "--refusal-plugin", RefusalCounterBuild.Path))
        {
            Assert.True(demo.WaitFor(line => line.Contains("/setup?Token=", StringComparison.Ordinal), TimeSpan.FromMinutes(6)), demo.Describe());
            output = demo.Output;
            Assert.Contains(output, line => line.StartsWith("all 37 checks held", StringComparison.Ordinal));
            string consoleUrl = Value(output, "  console:");
            string link = Value(output, "  first admin:");
            Assert.Matches(@"^https://127\.0\.0\.1:\d+/$", consoleUrl);
            Assert.StartsWith(consoleUrl + "setup?Token=", link, StringComparison.Ordinal);

            // The browser's view, trusting only the demo's root CA (the certificate must also name 127.0.0.1).
            using X509Certificate2 root = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(keep, "pki", "root-ca.pem")));
            using var handler = new HttpClientHandler { AllowAutoRedirect = false, ServerCertificateCustomValidationCallback = (_, certificate, _, errors) => TrustedBy(root, certificate!, errors) };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
            using HttpResponseMessage setup = await client.GetAsync(link);
            string page = await setup.Content.ReadAsStringAsync();
            Assert.True(setup.StatusCode == HttpStatusCode.OK, setup.StatusCode + " " + page);
            Assert.Contains("Set up your account", page);
            Assert.Contains("admin", page);
            using HttpResponseMessage home = await client.GetAsync(consoleUrl);
            Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
            Assert.StartsWith("/login", home.Headers.Location!.OriginalString.Replace(consoleUrl, "/", StringComparison.Ordinal), StringComparison.Ordinal);
            using HttpResponseMessage guessed = await client.GetAsync(consoleUrl + "setup?Token=" + new string('A', 43));
            Assert.Equal(HttpStatusCode.NotFound, guessed.StatusCode);

            // Ctrl-C. A process started with SIGINT ignored (under `nohup ... &`, or from a shell without job control) passes
            // that on to the demo, which then never sees it, as any Unix program would not: SIGTERM takes the same path.
            string signal = SigIntIgnoredHere() ? "TERM" : "INT";
            int? exit = demo.Stop(signal, TimeSpan.FromSeconds(60));
            Assert.True(exit == 0, "exit " + exit + " after SIG" + signal + "\n" + demo.Describe());
            output = demo.Output;
            Assert.Equal("service stopped", output[^1]);
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(consoleUrl));
        }

        string everything = string.Join("\n", output);
        Assert.DoesNotContain("FAIL", everything);
        Assert.DoesNotContain("\u001b[", everything);
        Assert.DoesNotContain("PRIVATE KEY", everything);
        Assert.DoesNotContain("DefaultAntiforgery", everything); // the setup page logged no header-override warning
        Assert.DoesNotContain("password:", everything, StringComparison.OrdinalIgnoreCase);

        // The kept folder is what an operator would have: PKI, broker configuration, device files, bundles.
        foreach (string file in new[] { "pki/root-ca.pem", "pki/operator.pem", "broker/mosquitto.conf", "devices/dev-001.network.json", "bundles/1.1.0/manifest.json", "keys/root.pub.pem" })
        {
            Assert.True(File.Exists(Path.Combine(keep, file)), file);
        }

        // Private keys are 0600 and no update-signing private key was ever written.
        foreach (string key in Directory.GetFiles(keep, "*.key.pem", SearchOption.AllDirectories))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }

        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(keep, "keys")), f => f.EndsWith(".key.pem", System.StringComparison.Ordinal));
        ToolResult verified = ToolRun.Run("verify", "--root", Path.Combine(keep, "keys", "root.pub.pem"), Path.Combine(keep, "bundles", "1.1.0"));
        Assert.True(verified.ExitCode == 0, verified.Output + verified.Error);
        ToolResult tampered = ToolRun.Run("verify", "--root", Path.Combine(keep, "keys", "root.pub.pem"), Path.Combine(keep, "bundles", "1.2.0-tampered"));
        Assert.Equal(1, tampered.ExitCode);
    }

    /// <summary>
    /// The demo's checks read what the fleet service stored, not what the devices or the broker saw: with a planted fault
    /// (the service's registry lacks dev-002, which still runs and which the broker still takes), the service refuses
    /// dev-002's messages as unknown-device and stores none, so step 2's check for dev-002 fails, the demo stops after that
    /// step and exits 1 with one FAILED line naming the check and what the service stored.
    /// </summary>
    [Fact]
    public void Demo_ServiceRegistryLacksADevice_ItsReportCheckFails_ExitsOneWithOneLine()
    {
        var output = new StringWriter();
        int exit;
        using (var scenario = new DemoScenario(new DemoView(output, interactive: false), 2, null, RefusalCounterBuild.Path) { HiddenDevice = "dev-002" })
        {
            exit = scenario.Run();
        }

        string text = output.ToString();
        Assert.True(exit == 1, text);
        string last = text.TrimEnd().Split('\n')[^1];
        Assert.StartsWith("FAILED: 2: dev-002 connects with its own certificate and reports health (not in the service's registry; 0 report(s) stored, refused ", last);
        Assert.Contains(" unknown-device", last);
        Assert.Single(text.Split('\n'), line => line.StartsWith("FAILED", StringComparison.Ordinal));
        Assert.DoesNotContain("a signed update, 1.1.0", text); // step 3 never began
    }

    /// <summary>
    /// Step 8 alone, against a fresh workspace and the demo's fleet service: the miner must be flagged coin-miner
    /// (critical: load, current and bandwidth up), and it must be a virtual device running the core, not reports made by
    /// hand. What only a running core produces is read from what the service stored: one boot with consecutive
    /// sequences; an uptime that advances at the device clock's scale against the service's own receive times (a
    /// hand-made publisher sends a day of 300-s reports in a moment); intervals that carry the report schedule's random
    /// ±10 % jitter; idle loads that scatter around the simulated board's 6 % (the core's idle probe computes them) and a
    /// load near 96 % after the onset. The demo rate costs nothing: no refusal of the service's, no action and no other
    /// finding for the three virtual devices, under the demo's opened ingest limits (DemoService: FairLimits(10,000,
    /// 1,000,000), as README step 8 says; the production limits would refuse a report a second). The miner's hijacked
    /// publishes, which its role does not grant, are counted by the broker's refusal counter and stored as outside-acl
    /// against it alone, naming the topic; the calm devices have no counter at all.
    /// </summary>
    [Fact]
    public async Task ResponseStep_MinerIsAVirtualDeviceRunningTheCore_FlaggedCoinMiner_TheOthersUntouched()
    {
        CancellationToken none = CancellationToken.None;
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using DemoWorkspace workspace = DemoWorkspace.Create(null, now, RefusalCounterBuild.Path);
        using DemoService service = DemoService.Start(workspace, now);
        DateTime ready = DateTime.UtcNow.AddSeconds(30);
        while (!service.Readiness().Ready && DateTime.UtcNow < ready)
        {
            await Task.Delay(100);
        }

        var checks = new List<string>();
        var failed = new List<string>();
        await new ResponseStep(workspace, service, (name, passed, evidence) => (passed ? checks : failed).Add(name + ": " + evidence), _ => { }).RunAsync();
        Assert.True(failed.Count == 0, string.Join("\n", failed));

        IFleetStore store = service.Store;
        FindingRecord finding = Assert.Single(await store.ListFindingsAsync("miner-1", false, 10, none));
        Assert.Equal("coin-miner", finding.Rule);
        Assert.Equal("critical", finding.Severity);
        Assert.Contains("bandwidth up (reported", finding.Evidence, StringComparison.Ordinal);
        foreach (string id in new[] { "calm-1", "calm-2", "miner-1" })
        {
            Assert.Empty(await store.ListActionsAsync(id, 10, none));
            IReadOnlyList<CounterRecord> counters = await store.ListCountersAsync(id, 0, none);
            if (id == "miner-1")
            {
                // Only the broker's count of the hijacker's publishes: nothing the service's ingest refused.
                Assert.All(counters, c => Assert.Equal("outside-acl", c.Reason));
                Assert.True(counters.Sum(c => c.Count) > 0, "no outside-acl counted");
                Assert.Contains(counters, c => c.LastDetail!.EndsWith(" refused, last topic devices/miner-1/up/data", StringComparison.Ordinal));
            }
            else
            {
                Assert.Empty(counters);
            }

            Assert.True(id == "miner-1" || (await store.ListFindingsAsync(id, false, 10, none)).Count == 0, id);

            // One connection each (the core's own count in its last report), and a planned stop at the end of the step.
            HealthRecord last = (await store.ListHealthAsync(id, 0, long.MaxValue, 1000, none)).OrderBy(r => r.Seq).Last();
            Assert.Equal(1L, last.Attempts);
            Assert.Equal("offline", (await store.GetDeviceAsync(id, none))?.Presence);
        }

        List<HealthRecord> reports = (await store.ListHealthAsync("miner-1", 0, long.MaxValue, 1000, none)).OrderBy(r => r.Seq).ToList();
        Assert.True(reports.Count >= ResponseStep.BaselineReports + 2, reports.Count + " reports");
        Assert.All(reports, r => Assert.Equal(reports[0].Boot, r.Boot));
        Assert.Equal(Enumerable.Range(0, reports.Count).Select(i => (long)i), reports.Select(r => r.Seq));
        double wall = (reports[^1].ReceivedMs - reports[0].ReceivedMs) / 1000.0;
        double speed = (reports[^1].UptimeS - reports[0].UptimeS) / wall;
        Assert.InRange(speed, ResponseStep.TimeScale / 2.0, ResponseStep.TimeScale * 2.0);
        long[] intervals = reports.Zip(reports.Skip(1), (a, b) => b.UptimeS - a.UptimeS).ToArray();
        Assert.All(intervals, s => Assert.InRange(s, 260, 390));
        Assert.True(intervals.Distinct().Count() > 1, string.Join(",", intervals));
        long[] loads = reports.Select(r => Load(r.Payload)).ToArray();
        long[] idle = loads.Skip(1).Take(ResponseStep.BaselineReports - 1).ToArray();
        Assert.All(idle, l => Assert.InRange(l, 3, 10));
        Assert.True(idle.Distinct().Count() > 1, string.Join(",", loads));
        Assert.InRange(loads[^1], 85, 100);
        Assert.Equal(9, checks.Count);
    }

    [Theory]
    [InlineData("--devices", "1")]
    [InlineData("--devices", "21")]
    [InlineData("--devices", "x")]
    public void Demo_BadArguments_ExitTwoWithOneLine(string option, string value)
    {
        ToolResult result = ToolRun.Run("demo", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void Demo_KeepFolderNotEmpty_RefusedBeforeAnythingStarts()
    {
        using var folder = new TemporaryDirectory();
        File.WriteAllText(folder.Combine("precious.txt"), "x");
        ToolResult result = ToolRun.Run("demo", "--keep", folder.Path, "--refusal-plugin", RefusalCounterBuild.Path);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("must not exist or be empty", result.Error);
        Assert.Equal(new[] { folder.Combine("precious.txt") }, Directory.GetFileSystemEntries(folder.Path));
    }

    /// <summary>
    /// The demo's broker must load the refusal counter (step 8 checks its counts): a named plugin that does not exist is
    /// one line, exit 2, before anything starts (no folder made, no broker started).
    /// </summary>
    [Fact]
    public void Demo_RefusalPluginMissing_ExitsTwoWithOneLine_BeforeAnythingStarts()
    {
        using var folder = new TemporaryDirectory();
        string keep = folder.Combine("demo");
        ToolResult result = ToolRun.Run("demo", "--keep", keep, "--refusal-plugin", folder.Combine("nothing.so"));
        Assert.True(result.ExitCode == 2, result.Output + result.Error);
        Assert.Equal("securedevice: --refusal-plugin: no such file: " + folder.Combine("nothing.so") + " (build it with 'make -C host/broker/refusal-counter')", Assert.Single(result.Error.TrimEnd().Split('\n')));
        Assert.False(Directory.Exists(keep));
    }

    // Bit 2 (SIGINT) of the ignored-signal mask in /proc/self/status.
    private static bool SigIntIgnoredHere()
    {
        if (!File.Exists("/proc/self/status"))
        {
            return false;
        }

        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line != null && (Convert.ToUInt64(line.Substring(7).Trim(), 16) & 0x2UL) != 0;
    }

    private static long Load(byte[] payload)
    {
        Assert.Equal(HealthDecodeStatus.Decoded, HealthDecoder.TryDecode(payload, out DecodedHealthReport? report, out string detail));
        return report!.Field("power", "loadPct") ?? -1;
    }

    private static string Value(string[] lines, string label) =>
        lines.Single(line => line.StartsWith(label, StringComparison.Ordinal))[label.Length..].Trim();

    private static bool TrustedBy(X509Certificate2 root, X509Certificate2 certificate, SslPolicyErrors errors)
    {
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false; // no certificate, or not issued for 127.0.0.1
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
