using System;
using System.Collections.Generic;

namespace SecureDevice.Fleet.Detection;

/// <summary>A product: its cohorts (one per version), its target version, and how many of its devices are silent.</summary>
internal sealed class ProductState
{
    public ProductState(string name) => Name = name;

    public string Name { get; }

    public Dictionary<FirmwareVersion, CohortState> Cohorts { get; } = new();

    /// <summary>The operator's target version, or null (then the most common version is the target).</summary>
    public FirmwareVersion? Target;

    /// <summary>When the target was set (stamp).</summary>
    public int TargetSince;

    /// <summary>Devices of the product that reported at least once.</summary>
    public int Reporting;

    /// <summary>Of those, silent now.</summary>
    public int Silent;

    /// <summary>The cohort of <paramref name="version"/>, created on first use.</summary>
    public CohortState Cohort(FirmwareVersion version)
    {
        if (!Cohorts.TryGetValue(version, out CohortState? cohort))
        {
            cohort = new CohortState(this, version);
            Cohorts.Add(version, cohort);
        }

        return cohort;
    }

    /// <summary>The version most of the product's devices ran at the last cohort refresh, and since when (stamp).</summary>
    public FirmwareVersion? Majority;

    public int MajoritySince;

    /// <summary>The version the product's devices should run: the operator's target, else the version most devices run.</summary>
    public FirmwareVersion? EffectiveTarget(out int since)
    {
        since = Target.HasValue ? TargetSince : MajoritySince;
        return Target ?? Majority;
    }

    /// <summary>Recomputes <see cref="Majority"/> from the cohorts' members (ties go to the newer version).</summary>
    public void UpdateMajority(int now)
    {
        CohortState? most = null;
        foreach (CohortState cohort in Cohorts.Values)
        {
            if (cohort.Members > 0 && (most == null || cohort.Members > most.Members || (cohort.Members == most.Members && cohort.Version.CompareTo(most.Version) > 0)))
            {
                most = cohort;
            }
        }

        if (most?.Version != Majority)
        {
            Majority = most?.Version;
            MajoritySince = now;
        }
    }
}

/// <summary>Devices of one product running one version: robust statistics of their own baselines.</summary>
internal sealed class CohortState
{
    public CohortState(ProductState product, FirmwareVersion version)
    {
        Product = product;
        Version = version;
    }

    public ProductState Product { get; }

    public FirmwareVersion Version { get; }

    /// <summary>Devices whose last report named this version.</summary>
    public int Members;

    /// <summary>Median of the members' baseline means, per metric.</summary>
    public readonly float[] Median = new float[DeviceState.MetricCount];

    /// <summary>1.4826 × the MAD of the members' baseline means, per metric.</summary>
    public readonly float[] Sigma = new float[DeviceState.MetricCount];

    /// <summary>Members with a warm baseline that went into the statistics, per metric.</summary>
    public readonly int[] Sample = new int[DeviceState.MetricCount];

    /// <summary>True when the cohort had enough warm members for <paramref name="metric"/> at the last refresh.</summary>
    public bool Ready(Metric metric, int minimum) => Sample[(int)metric] >= minimum;

    /// <summary>Sets the statistics of one metric from the members' values (reordered).</summary>
    public void Set(Metric metric, Span<float> values)
    {
        int m = (int)metric;
        Sample[m] = values.Length;
        if (values.IsEmpty)
        {
            return;
        }

        double median = RobustStatistics.Median(values);
        Median[m] = (float)median;
        Sigma[m] = (float)(RobustStatistics.MadToSigma * RobustStatistics.Mad(values, median));
    }
}
