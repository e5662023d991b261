using System;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Update;

namespace SecureDevice.VirtualDevice.Updates;

/// <summary>Turns on signed updates for a virtual device: the loader's trust anchors, where bundles come from, the limits.</summary>
public sealed class UpdateOptions
{
    /// <summary>The root keys built into the loader.</summary>
    public required TrustAnchors Anchors { get; init; }

    /// <summary>Creates the download source of one boot (an <see cref="HttpsBundleSource"/> pinned to the update server's CA).</summary>
    public required Func<IBundleSource> Source { get; init; }

    /// <summary>The loader version the device reports to install checks.</summary>
    public long LoaderVersion { get; init; } = 1;

    /// <summary>Time a candidate has per boot to become healthy, ms.</summary>
    public long TestTimeoutMs { get; init; } = Probation.DefaultTimeoutMs;

    /// <summary>Shortest spacing between processed offers, ms.</summary>
    public long OfferSpacingMs { get; init; } = OfferIntake.DefaultSpacingMs;

    /// <summary>Boots a candidate gets before it is reverted.</summary>
    public int MaxTestBoots { get; init; } = BootPlanner.DefaultMaxTestBoots;

    /// <summary>Most payload bytes the loader accepts (the ESP32 default unless a simulation models a bigger board; 0: no limit).</summary>
    public long MaxPayloadBytes { get; init; } = BootOptions.DefaultMaxPayloadBytes;

    /// <summary>The loader's options for one boot, as the ESP32 platform builds them from its constants.</summary>
    public BootOptions Boot() => new()
    {
        LoaderVersion = LoaderVersion,
        TestTimeoutMs = TestTimeoutMs,
        OfferSpacingMs = OfferSpacingMs,
        MaxTestBoots = MaxTestBoots,
        MaxPayloadBytes = MaxPayloadBytes,
    };
}
