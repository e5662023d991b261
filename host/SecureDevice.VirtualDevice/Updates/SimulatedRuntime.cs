using System;
using System.Collections.Generic;
using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;

namespace SecureDevice.VirtualDevice.Updates;

/// <summary>
/// The virtual device's application runtime: "loading" keeps the verified bytes, "starting" reads the entry assembly's
/// behaviour markers (<see cref="SimulatedApplication"/>). An application marked to throw fails on its own thread right
/// after it started, as an ESP32 application whose entry point throws: only the failure flag is set, and the main loop
/// reverts a candidate under test.
/// </summary>
public sealed class SimulatedRuntime : IApplicationRuntime
{
    private readonly Dictionary<string, byte[]> _loaded = new(StringComparer.Ordinal);

    /// <summary>How the started application behaves (well-behaved until one is started).</summary>
    public SimulatedApplication Behaviour { get; private set; } = SimulatedApplication.WellBehaved;

    /// <summary>A host has memory enough: the loader's limit (<see cref="BootOptions.MaxPayloadBytes"/>) is the only check.</summary>
    public long FreeBytes() => -1;

    /// <inheritdoc/>
    public ApplicationStart Load(string fileName, byte[] image)
    {
        _loaded[fileName] = image;
        return ApplicationStart.Started;
    }

    /// <inheritdoc/>
    public ApplicationStart Start(string assembly, string type, string method, RunningApplication application)
    {
        if (!_loaded.TryGetValue(assembly + ".pe", out byte[]? entry))
        {
            return ApplicationStart.EntryMissing;
        }

        Behaviour = SimulatedApplication.FromEntryAssembly(entry);
        if (Behaviour.ThrowsAtStart)
        {
            application.ReportFailure("InvalidOperationException: the simulated application threw");
        }

        return ApplicationStart.Started;
    }
}
