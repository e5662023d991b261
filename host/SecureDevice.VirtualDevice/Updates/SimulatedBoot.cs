using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;

namespace SecureDevice.VirtualDevice.Updates;

/// <summary>
/// One boot of a virtual device with updates: the core's boot sequence (<see cref="BootSequence"/> over
/// <see cref="UpdateStack"/>, the code the ESP32 loader runs) with a <see cref="SimulatedRuntime"/>, then the update engine.
/// When <see cref="Result"/> is <see cref="BootResult.RebootRequired"/>, the owner reboots at once, as the firmware does.
/// </summary>
public sealed class SimulatedBoot : System.IDisposable
{
    /// <summary>Boots over <paramref name="store"/> for <paramref name="session"/>.</summary>
    public SimulatedBoot(IFileStore store, BootSession session, UpdateOptions options, string product, string hardware, long nowMs)
    {
        Session = session;
        Stack = new UpdateStack(store, options.Anchors, options.Boot());
        Runtime = new SimulatedRuntime();
        Sequence = new BootSequence(Stack, Runtime, session);
        Result = Sequence.Run();
        Source = options.Source();
        Engine = Stack.CreateEngine(Source, product, hardware, Sequence.Plan, nowMs);
        Application.LastUpdateOutcome = Engine.Status.LastOutcome;
    }

    /// <summary>The boot's session (count, reason, faults, what runs).</summary>
    public BootSession Session { get; }

    /// <summary>The update parts of this boot.</summary>
    public UpdateStack Stack { get; }

    /// <summary>The loader of this boot.</summary>
    public BootSequence Sequence { get; }

    /// <summary>How the loader ended.</summary>
    public BootResult Result { get; }

    /// <summary>The runtime that "loaded" the application.</summary>
    public SimulatedRuntime Runtime { get; }

    /// <summary>The download source of this boot.</summary>
    public IBundleSource Source { get; }

    /// <summary>The journal.</summary>
    public JournalStore Journal => Stack.Journal;

    /// <summary>What was decided.</summary>
    public BootPlan Plan => Sequence.Plan;

    /// <summary>The update engine of this boot.</summary>
    public UpdateEngine Engine { get; }

    /// <summary>What runs (version, slot, testing), for health reports.</summary>
    public RunningApplication Application => Session.Application;

    /// <summary>How the loaded application behaves.</summary>
    public SimulatedApplication Behaviour => Runtime.Behaviour;

    /// <summary>Closes the download source (a reboot ends every connection).</summary>
    public void Dispose()
    {
        Source.Close();
        (Source as System.IDisposable)?.Dispose();
    }
}
