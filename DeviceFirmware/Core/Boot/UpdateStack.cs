using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;

namespace SecureDevice.Core.Boot
{
    /// <summary>
    /// The update machinery of one boot, wired once for every build: the ESP32 firmware, the virtual devices, the device
    /// tests and <c>securedevice sim update</c> all build it here, so they run the same parts with the same limits. Holds the
    /// journal, the slot verifier over the compiled-in trust anchors, the boot planner and the revocation list, sharing
    /// one read buffer; the update engine is made later (<see cref="CreateEngine"/>), once the device knows its identity.
    /// </summary>
    public sealed class UpdateStack
    {
        /// <summary>Builds the stack over <paramref name="store"/>, trusting <paramref name="anchors"/>, with <paramref name="options"/> (validated).</summary>
        public UpdateStack(IFileStore store, TrustAnchors anchors, BootOptions options)
        {
            if (store == null || anchors == null || options == null)
            {
                throw new System.ArgumentNullException("store");
            }

            options.Validate();
            Store = store;
            Options = options;
            Chunk = new byte[options.ChunkBytes];
            Journal = new JournalStore(store);
            Slots = new SlotVerifier(store, new BundleVerifier(anchors), new BundleDocuments(), Chunk);
            Planner = new BootPlanner(Journal, Slots);
            Planner.MaxTestBoots = options.MaxTestBoots;
            Planner.MaxResumeBoots = options.MaxResumeBoots;
            Revocations = new RevocationStore(store);
        }

        /// <summary>The flash.</summary>
        public IFileStore Store { get; private set; }

        /// <summary>The limits and timings.</summary>
        public BootOptions Options { get; private set; }

        /// <summary>The read buffer shared by the verifier and the engine (<see cref="BootOptions.ChunkBytes"/>).</summary>
        public byte[] Chunk { get; private set; }

        /// <summary>The update journal.</summary>
        public JournalStore Journal { get; private set; }

        /// <summary>Verifies slots on flash.</summary>
        public SlotVerifier Slots { get; private set; }

        /// <summary>Decides the boot.</summary>
        public BootPlanner Planner { get; private set; }

        /// <summary>Revoked signing keys.</summary>
        public RevocationStore Revocations { get; private set; }

        /// <summary>
        /// Makes the update engine for a device of <paramref name="product"/> and <paramref name="hardware"/> that downloads
        /// from <paramref name="source"/>, and starts it from the journal and <paramref name="plan"/> (call once per boot,
        /// after the plan).
        /// </summary>
        public UpdateEngine CreateEngine(IBundleSource source, string product, string hardware, BootPlan plan, long nowMs)
        {
            if (source == null || plan == null)
            {
                throw new System.ArgumentNullException("source");
            }

            InstallContext device = new InstallContext();
            device.Product = product;
            device.HardwareModel = hardware;
            device.LoaderVersion = Options.LoaderVersion;
            device.MaxPayloadBytes = Options.MaxPayloadBytes;
            UpdateEngine engine = new UpdateEngine(Store, Journal, Slots, Revocations, source, device, Chunk);
            engine.TestTimeoutMs = Options.TestTimeoutMs;
            engine.OfferSpacingMs = Options.OfferSpacingMs;
            engine.Start(nowMs, plan);
            return engine;
        }
    }
}
