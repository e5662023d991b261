using System.Runtime.CompilerServices;

namespace SecureDevice.Fleet.Detection;

/// <summary>The metrics with a baseline per device (and per cohort).</summary>
internal enum Metric
{
    /// <summary>Compute load, % (reported).</summary>
    Load = 0,

    /// <summary>Supply current, mA (reported).</summary>
    Current = 1,

    /// <summary>Payload bytes up per hour (reported).</summary>
    DeviceUp = 2,

    /// <summary>Payload bytes down per hour (reported).</summary>
    DeviceDown = 3,

    /// <summary>Bytes up per hour seen at the broker.</summary>
    BrokerUp = 4,

    /// <summary>Bytes down per hour seen at the broker.</summary>
    BrokerDown = 5,
}

/// <summary>One rule's state for one device (12 bytes).</summary>
internal struct RuleTrack
{
    public bool Open;
    public FindingSeverity Severity;
    public byte Hits;
    public byte Quiet;
    public int FirstSeen;
    public int LastSeen;
}

/// <summary>
/// Everything the engine keeps about one device: fixed-size fields only, no collection grows with time (docs/detection.md,
/// "Memory": the bytes per device are measured by a test). Persisted by <see cref="DeviceStateCodec"/>.
/// </summary>
internal sealed class DeviceState
{
    /// <summary>Number of <see cref="Metric"/> values.</summary>
    public const int MetricCount = 6;

    /// <summary>Counted boots remembered (the most any boot rule needs).</summary>
    public const int BootRingSize = 6;

    public DeviceState(string id, ProductState product)
    {
        Id = id;
        Product = product;
    }

    public string Id { get; }

    public ProductState Product;

    /// <summary>Same product and version: set by the first report.</summary>
    public CohortState? Cohort;

    public bool Registered;
    public int ReportIntervalSeconds = 300;

    /// <summary>Certificate expiry from the registry, 0 when unknown.</summary>
    public int CertificateNotAfter;

    // The last report.
    public int LastReportAt;
    public long LastBootCount;
    public long LastUptime;
    public long LastFlags;
    public int VersionSince;

    // Reported bytes waiting until they cover enough time for a rate.
    public float PendingUp;
    public float PendingDown;
    public int PendingSeconds;

    public BaselineArray Baselines;

    /// <summary>Consecutive reports with the load or the current elevated (for <c>coin-miner</c>).</summary>
    public byte MinerStreak;

    /// <summary>When a reported byte rate was last elevated (for <c>coin-miner</c>), 0 never.</summary>
    public int DeviceTrafficElevatedAt;

    /// <summary>When a broker window last showed elevated traffic (for <c>coin-miner</c>), 0 never.</summary>
    public int BrokerElevatedAt;

    public ShadowBucket Messages;
    public ShadowBucket Connects;
    public ShadowBucket Malformed;
    public int LastTrafficAt;

    /// <summary>The newest counted (unclean, fault or unknown) boots, stamps, newest first; 0 empty.</summary>
    public BootRing Boots;

    /// <summary>The last boot number counted.</summary>
    public long LastCountedBoot;

    public HeapTrend NativeHeap;
    public HeapTrend ManagedHeap;

    // Update rejections: count in the current 24-hour window, its start, the last one.
    public int RejectionWindowStart;
    public ushort Rejections;
    public int LastRejectionAt;
    public byte LastRejectionKind;

    /// <summary>Counted in its product's silent devices (outage detection).</summary>
    public bool Silent;

    /// <summary>An operator accepted the device's behaviour: its baselines learn every sample until warm.</summary>
    public bool Accepting;

    public TrackArray Tracks;

    /// <summary>The baseline of <paramref name="metric"/>.</summary>
    public ref RobustBaseline Baseline(Metric metric) => ref Baselines[(int)metric];

    /// <summary>The track of <paramref name="rule"/>.</summary>
    public ref RuleTrack Track(DetectionRule rule) => ref Tracks[(int)rule];

    /// <summary>Remembers a counted boot at <paramref name="at"/>.</summary>
    public void AddBoot(int at)
    {
        for (int i = BootRingSize - 1; i > 0; i--)
        {
            Boots[i] = Boots[i - 1];
        }

        Boots[0] = at;
    }

    [InlineArray(MetricCount)]
    public struct BaselineArray
    {
        private RobustBaseline _element;
    }

    [InlineArray(BootRingSize)]
    public struct BootRing
    {
        private int _element;
    }

    [InlineArray(RuleCatalog.Count)]
    public struct TrackArray
    {
        private RuleTrack _element;
    }
}
