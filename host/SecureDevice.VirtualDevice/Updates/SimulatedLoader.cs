using SecureDevice.Core.Application;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;

namespace SecureDevice.VirtualDevice.Updates;

/// <summary>
/// The virtual device's boot, doing what the ESP32's Program.cs does: plan with the <see cref="BootPlanner"/>, read each
/// payload file of the planned slot into memory and verify exactly those bytes (<see cref="SlotImage"/>), "load" the
/// entry assembly (a <see cref="SimulatedApplication"/>), fall back as the planner decides when that fails, and start the
/// update engine. One instance per boot.
/// </summary>
public sealed class SimulatedLoader : System.IDisposable
{
    private readonly byte[] _chunk = new byte[UpdateEngine.ChunkBytes];

    /// <summary>Boots over <paramref name="store"/>.</summary>
    public SimulatedLoader(IFileStore store, UpdateOptions options, string product, string hardware, long nowMs)
    {
        Journal = new JournalStore(store);
        var slots = new SlotVerifier(store, new BundleVerifier(options.Anchors), new BundleDocuments(), _chunk);
        Planner = new BootPlanner(Journal, slots) { MaxTestBoots = options.MaxTestBoots };
        Planner.Plan(Plan);
        Load(store);
        var device = new InstallContext { Product = product, HardwareModel = hardware, LoaderVersion = options.LoaderVersion };
        Source = options.Source();
        Engine = new UpdateEngine(store, Journal, slots, new RevocationStore(store), Source, device, _chunk)
        {
            TestTimeoutMs = options.TestTimeoutMs,
            OfferSpacingMs = options.OfferSpacingMs,
        };
        Engine.Start(nowMs, Plan);
        Application.LastUpdateOutcome = Engine.LastOutcome;
    }

    /// <summary>The download source of this boot.</summary>
    public IBundleSource Source { get; }

    /// <summary>The journal.</summary>
    public JournalStore Journal { get; }

    /// <summary>The planner.</summary>
    public BootPlanner Planner { get; }

    /// <summary>What was decided.</summary>
    public BootPlan Plan { get; } = new();

    /// <summary>The update engine of this boot.</summary>
    public UpdateEngine Engine { get; }

    /// <summary>What runs (version, slot, testing), for health reports.</summary>
    public RunningApplication Application { get; } = new();

    /// <summary>How the loaded application behaves.</summary>
    public SimulatedApplication Behaviour { get; private set; } = SimulatedApplication.WellBehaved;

    /// <summary>Closes the download source (a reboot ends every connection).</summary>
    public void Dispose()
    {
        Source.Close();
        (Source as System.IDisposable)?.Dispose();
    }

    private void Load(IFileStore store)
    {
        var check = new PayloadCheck();
        for (int attempt = 0; attempt < 3 && Plan.Slot >= 0; attempt++)
        {
            Manifest manifest = Plan.Manifest;
            byte[]? entry = null;
            bool verified = true;
            for (int i = 0; i < manifest.FileCount && verified; i++)
            {
                verified = SlotImage.TryLoad(store, Plan.Slot, manifest.Files[i], check, out byte[] bytes) == BundleStatus.Verified;
                if (manifest.Files[i].Name == manifest.EntryAssembly + ".pe")
                {
                    entry = bytes;
                }
            }

            if (!verified || entry == null)
            {
                Planner.OnLoadFailed(Plan, UpdateOutcome.RevertedCorrupt);
                continue;
            }

            SimulatedApplication behaviour = SimulatedApplication.FromEntryAssembly(entry);
            if (behaviour.ThrowsAtStart)
            {
                Planner.OnLoadFailed(Plan, UpdateOutcome.RevertedAppFailed);
                continue;
            }

            Behaviour = behaviour;
            Application.Loaded = true;
            Application.Version = manifest.Version;
            Application.SecurityVersion = manifest.SecurityVersion;
            Application.SlotB = Plan.Slot == SlotLayout.SlotB;
            Application.Testing = Plan.Testing;
            return;
        }
    }
}
