using System;
using System.IO;
using System.Linq;
using SecureDevice.Fleet.Detection;
using Xunit;

namespace SecureDevice.Fleet.Tests.Detection;

public sealed class DetectionEngineTests
{
    [Fact]
    public void RuleCatalog_CodesAreStableKebabCase_AndOnlyBrokerServiceAndRegistryRulesAreTrustFree()
    {
        string[] codes = Enum.GetValues<DetectionRule>().Select(RuleCatalog.Code).ToArray();
        Assert.Equal(RuleCatalog.Count, codes.Distinct().Count());
        Assert.All(codes, c => Assert.Matches("^[a-z]+(-[a-z]+)*$", c));
        string[] trustFree = Enum.GetValues<DetectionRule>().Where(r => !RuleCatalog.TrustsDevice(r)).Select(RuleCatalog.Code).ToArray();
        Assert.Equal(new[] { "message-flood", "reconnect-storm", "invalid-data", "traffic-surge", "silence", "certificate-expiry", "outside-acl" }, trustFree);
        Assert.True(RuleCatalog.TryParse("coin-miner", out DetectionRule rule) && rule == DetectionRule.CoinMiner);
        Assert.False(RuleCatalog.TryParse("Coin-Miner", out _));
    }

    [Fact]
    public void ExportImport_RoundTripsAndContinuesWhereItLeftOff()
    {
        var driver = new DetectionDriver().Register("d1");
        var device = new DetectionDriver.Device("d1");
        driver.Reports(device, 24);
        driver.Window("d1", messages: 200);
        byte[] state = driver.Engine.ExportState("d1")!;
        Assert.InRange(state.Length, 100, 600);

        var restored = new DetectionEngine();
        Assert.Equal("d1", restored.ImportState(state));
        Assert.Equal(state, restored.ExportState("d1"));

        // The restored engine knows the warm baseline (a miner flags) and the open flood (no second open).
        device.Load = 95;
        device.Current = 130;
        device.BytesUp = 20_000;
        DateTime now = driver.Now;
        var findings = Enumerable.Range(1, 2).SelectMany(i =>
        {
            device.Uptime += 300;
            return restored.OnHealthReport("d1", device.Sample(), now.AddSeconds(300 * i));
        }).ToList();
        Assert.Single(findings, f => f.Rule == DetectionRule.CoinMiner);
        Assert.Empty(restored.OnTraffic("d1", new TrafficWindow(now, now.AddMinutes(5), 200, 100, 0, 0, 0, 0)));
    }

    [Fact]
    public void ImportState_RefusesTruncatedOrForeignBytes()
    {
        var driver = new DetectionDriver().Register("d1");
        driver.Reports(new DetectionDriver.Device("d1"), 2);
        byte[] state = driver.Engine.ExportState("d1")!;
        var engine = new DetectionEngine();
        Assert.Throws<InvalidDataException>(() => engine.ImportState(state[..^3]));
        Assert.Throws<InvalidDataException>(() => engine.ImportState(state.Append((byte)0).ToArray()));
        Assert.Throws<InvalidDataException>(() => engine.ImportState(new byte[] { 9, 1, 2 }));
        Assert.Throws<InvalidDataException>(() => engine.ImportState(Array.Empty<byte>()));
        Assert.Equal(0, engine.DeviceCount);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    public void ImportState_OlderFormat_RestoresWithTheNewerRulesClosed(byte format, int missingTracks)
    {
        // A service upgraded past storage-failed (format 1: 12 rule tracks), floor-save-failed (format 2: 13) or outside-acl
        // (format 3: 14) reads its
        // older snapshots instead of making every device learn its baselines again.
        var driver = new DetectionDriver().Register("d1");
        driver.Reports(new DetectionDriver.Device("d1"), 24);
        driver.Window("d1", messages: 200);
        byte[] current = driver.Engine.ExportState("d1")!;
        byte[] older = current[..^(12 * missingTracks)];
        older[0] = format;

        var engine = new DetectionEngine();
        Assert.Equal("d1", engine.ImportState(older));
        Assert.Equal(current, engine.ExportState("d1"));
        Assert.Throws<InvalidDataException>(() => engine.ImportState(current[..^(12 * missingTracks)]));
    }

    [Fact]
    public void BadArguments_AreRefused()
    {
        var engine = new DetectionEngine();
        DateTime now = DetectionDriver.T0;
        Assert.Throws<ArgumentException>(() => engine.Register("d1", new DeviceRegistration("sensor", null, 30), now));
        Assert.Throws<ArgumentException>(() => engine.Register("d1", new DeviceRegistration("", null), now));
        Assert.Throws<ArgumentException>(() => engine.OnTraffic("d1", new TrafficWindow(now, now, 1, 1, 0, 0, 0, 0)));
        Assert.Throws<ArgumentException>(() => engine.OnTraffic("d1", new TrafficWindow(now, now.AddMinutes(5), -1, 1, 0, 0, 0, 0)));
        Assert.Throws<ArgumentException>(() => engine.OnTraffic("d1", new TrafficWindow(now, now.AddMinutes(5), 1, 1, 0, 0, 0, 0, false, -1)));
        Assert.Throws<ArgumentException>(() => engine.OnHealthReport("", new HealthSample(), now));
        Assert.Throws<ArgumentException>(() => new DetectionEngine(new DetectionOptions { UncleanBootsPerDay = 7 }));
    }

    [Fact]
    public void Findings_CarryTheSharedModelFields()
    {
        var driver = new DetectionDriver();
        driver.Window("d1", malformed: 5);
        Finding finding = driver.Findings.Single();
        Assert.Equal("d1", finding.DeviceId);
        Assert.Equal(DetectionDriver.T0.AddMinutes(5), finding.FirstSeen);
        Assert.Equal(finding.FirstSeen, finding.LastSeen);
        Assert.Equal(DateTimeKind.Utc, finding.FirstSeen.Kind);
        Assert.All(finding.Evidence, c => Assert.InRange(c, ' ', '~'));
        Assert.Equal("d1 invalid-data open warning: " + finding.Evidence, finding.ToString());
    }

    [Fact]
    public void OnHealthReport_TakesTheStrictDecodersOutput()
    {
        // The device's encoder, the service's decoder, the engine: a report's load, current, boots and version arrive.
        var snapshot = new SecureDevice.Core.Telemetry.HealthSnapshot
        {
            UptimeSeconds = 600, BootCount = 3, BootReason = (int)SecureDevice.Core.Telemetry.BootReason.Unclean, HasLoad = true, LoadPercent = 97,
            HasSupplyCurrent = true, SupplyMilliamps = 140, VersionMajor = 2, VersionMinor = 1, VersionPatch = 0, SecurityVersion = 4,
            Flags = SecureDevice.Core.Telemetry.HealthFlags.SafeMode,
        };
        byte[] buffer = new byte[SecureDevice.Core.Telemetry.HealthReport.MaxCborBytes];
        int length = new SecureDevice.Core.Telemetry.HealthReport().EncodeCbor(snapshot, buffer, 0, buffer.Length);
        Assert.Equal(SecureDevice.Fleet.Telemetry.HealthDecodeStatus.Decoded,
            SecureDevice.Fleet.Telemetry.HealthDecoder.TryDecode(buffer.AsSpan(0, length).ToArray(), out var report, out _));
        HealthSample sample = HealthSample.From(report!);
        Assert.Equal((97L, 140L, 3L, 600L), (sample.LoadPercent, sample.SupplyMilliamps, sample.BootCount, sample.UptimeSeconds));
        Assert.Equal(new FirmwareVersion(2, 1, 0, 4), sample.Version);

        // Safe mode in the report is the firmware's own reboot-loop verdict.
        var engine = new DetectionEngine();
        Finding finding = Assert.Single(engine.OnHealthReport("d1", report!, DetectionDriver.T0));
        Assert.Equal(DetectionRule.RebootLoop, finding.Rule);
    }

    [Fact]
    public void Forget_DropsTheDevice()
    {
        var driver = new DetectionDriver().Register("d1");
        Assert.True(driver.Engine.Forget("d1"));
        Assert.False(driver.Engine.Forget("d1"));
        Assert.Null(driver.Engine.ExportState("d1"));
        Assert.False(driver.Engine.ResetBaselines("d1"));
    }
}
