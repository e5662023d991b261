using System;
using System.Collections.Generic;
using System.Linq;
using SecureDevice.Core.Telemetry;
using SecureDevice.Fleet.Detection;

namespace SecureDevice.Fleet.Tests.Detection;

/// <summary>
/// Drives one <see cref="DetectionEngine"/> through simulated time for the rule tests: reports every 300 s with the
/// values a test sets, broker windows of 5 minutes, boots, and every finding that comes out kept in order.
/// </summary>
internal sealed class DetectionDriver
{
    public static readonly DateTime T0 = new(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
    public static readonly FirmwareVersion V1 = new(1, 0, 0, 1);

    public DetectionDriver(DetectionOptions? options = null) => Engine = new DetectionEngine(options);

    public DetectionEngine Engine { get; }

    public DateTime Now { get; set; } = T0;

    public List<Finding> Findings { get; } = new();

    /// <summary>Registers devices of product "sensor" with a certificate a year away.</summary>
    public DetectionDriver Register(params string[] ids)
    {
        foreach (string id in ids)
        {
            Take(Engine.Register(id, new DeviceRegistration("sensor", Now.AddDays(365)), Now));
        }

        return this;
    }

    public IReadOnlyList<Finding> Take(IReadOnlyList<Finding> findings)
    {
        Findings.AddRange(findings);
        return findings;
    }

    public IEnumerable<Finding> Opened(DetectionRule rule) => Findings.Where(f => f.Rule == rule && f.State == FindingState.Open);

    public IEnumerable<Finding> Cleared(DetectionRule rule) => Findings.Where(f => f.Rule == rule && f.State == FindingState.Cleared);

    /// <summary>A device's running state: what its next report says.</summary>
    public sealed class Device
    {
        public Device(string id) => Id = id;

        public string Id { get; }
        public long Sequence;
        public long Uptime;
        public long BootCount = 1;
        public int BootReason = (int)SecureDevice.Core.Telemetry.BootReason.FirstBoot;
        public long? Load = 8;
        public long? Current = 80;
        public long? HeapFree = 160;
        public long? ManagedFree = 100;
        public long BytesUp = 300;
        public long BytesDown = 50;
        public long Flags = HealthFlags.TimeSynchronised;
        public FirmwareVersion Version = V1;

        public HealthSample Sample() => new()
        {
            Sequence = Sequence,
            UptimeSeconds = Uptime,
            BootCount = BootCount,
            BootReason = BootReason,
            SupplyMillivolts = 3300,
            SupplyMilliamps = Current,
            LoadPercent = Load,
            HeapFreeKiB = HeapFree,
            ManagedFreeKiB = ManagedFree,
            MessagesUpSinceLast = 2,
            BytesUpSinceLast = BytesUp,
            MessagesDownSinceLast = 1,
            BytesDownSinceLast = BytesDown,
            Version = Version,
            CertificateDays = 300,
            Flags = Flags,
        };

        /// <summary>The device restarts for <paramref name="reason"/>: its next report is the boot's first.</summary>
        public void Reboot(BootReason reason)
        {
            BootCount++;
            BootReason = (int)reason;
            Uptime = 20;
            Sequence = 0;
        }
    }

    /// <summary>Advances the clock by <paramref name="seconds"/> (uptime too) and delivers one report.</summary>
    public IReadOnlyList<Finding> Report(Device device, int seconds = 300)
    {
        Now = Now.AddSeconds(seconds);
        device.Uptime += seconds;
        IReadOnlyList<Finding> findings = Take(Engine.OnHealthReport(device.Id, device.Sample(), Now));
        device.Sequence++;
        return findings;
    }

    /// <summary>Delivers <paramref name="count"/> reports 300 s apart, with a cohort refresh through Tick every report.</summary>
    public List<Finding> Reports(Device device, int count, int seconds = 300)
    {
        var all = new List<Finding>();
        for (int i = 0; i < count; i++)
        {
            all.AddRange(Report(device, seconds));
            all.AddRange(Take(Engine.Tick(Now)));
        }

        return all;
    }

    /// <summary>One broker window of 5 minutes ending now + 300 s (the clock moves).</summary>
    public IReadOnlyList<Finding> Window(string id, long messages = 3, long bytes = 600, int connects = 0, int malformed = 0, long bytesDown = 100, int seconds = 300, int refused = 0, bool backlog = false)
    {
        DateTime start = Now;
        Now = Now.AddSeconds(seconds);
        return Take(Engine.OnTraffic(id, new TrafficWindow(start, Now, messages, bytes, 1, bytesDown, connects, malformed, backlog, refused)));
    }
}
