using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;

namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// A device for update tests, made of the real core parts: flash (<see cref="Flash"/>), the boot planner and the
    /// loader's in-memory check (as Program.cs does them), the update engine, an in-memory server. A boot builds every part
    /// anew over the flash, as a reset does. Time advances only when the rig steps.
    /// </summary>
    public sealed class UpdateRig
    {
        /// <summary>Where the rig's server publishes bundles.</summary>
        public const string BaseUrl = "https://updates.example/bundles/";

        /// <summary>The flash that outlives boots.</summary>
        public readonly MemoryFileStore Flash = new MemoryFileStore();

        /// <summary>The update server.</summary>
        public readonly MemoryBundleSource Server = new MemoryBundleSource();

        /// <summary>Randomness for retries.</summary>
        public readonly TestRandom Random;

        /// <summary>The loader's trust anchors.</summary>
        public TrustAnchors Anchors;

        /// <summary>Monotonic time, ms (restarts at each boot like a tick counter).</summary>
        public long NowMs;

        /// <summary>Wall-clock time, Unix seconds.</summary>
        public long Utc = TestBundle.Now;

        /// <summary>Boots so far.</summary>
        public int Boots;

        /// <summary>When set, the application of this version throws when started (RevertedAppFailed).</summary>
        public string FailingVersion;

        /// <summary>The store the current boot uses (the flash, or a power-cutting wrapper of it).</summary>
        public IFileStore Store;

        /// <summary>Journal of the current boot.</summary>
        public JournalStore Journal;

        /// <summary>Slot verifier of the current boot.</summary>
        public SlotVerifier Slots;

        /// <summary>Planner of the current boot.</summary>
        public BootPlanner Planner;

        /// <summary>Plan of the current boot.</summary>
        public BootPlan Plan;

        /// <summary>Engine of the current boot.</summary>
        public UpdateEngine Engine;

        /// <summary>Version loaded this boot, or null when the device runs without an application.</summary>
        public string Running;

        /// <summary>Payload bytes the loader loaded this boot (each file verified in memory).</summary>
        public int LoadedFiles;

        /// <summary>The factory image installed in slot A.</summary>
        public readonly TestBundle Factory;

        /// <summary>Randomness for building releases (kept apart from <see cref="Random"/> so retries do not change bundles).</summary>
        public readonly TestRandom Bundles;

        /// <summary>A device with <paramref name="factory"/> installed in slot A and no journal (as the factory leaves it).</summary>
        public UpdateRig(TestBundle factory, uint seed)
        {
            Random = new TestRandom(seed);
            Bundles = new TestRandom(seed ^ 0x5a5a5a5a);
            Factory = factory;
            Anchors = factory.Anchors();
            Install(Flash, SlotLayout.SlotA, factory);
            Store = Flash;
        }

        /// <summary>A device with a fresh factory image (1.0.0, security version 2), booted once.</summary>
        public static UpdateRig Booted(uint seed)
        {
            UpdateRig rig = new UpdateRig(UpdateBundles.Factory(new TestRandom(seed)), seed);
            rig.Boot();
            return rig;
        }

        /// <summary>The usual release of the factory's signer: 1.1.0, security version 3, three files.</summary>
        public TestBundle Release()
        {
            return UpdateBundles.Release(Factory, Bundles);
        }

        /// <summary>A release of the factory's signer with files of <paramref name="sizes"/> bytes.</summary>
        public TestBundle Release(string version, long securityVersion, int[] sizes)
        {
            return UpdateBundles.Release(Factory, version, securityVersion, Bundles, sizes);
        }

        /// <summary>Publishes <paramref name="release"/>, offers it and runs until it is staged (asserted); returns its URL.</summary>
        public string Stage(TestBundle release)
        {
            string url = Publish(release, release.Version);
            Offer(url);
            Run(true, 500);
            if (Journal.Current.State != UpdateState.Staged)
            {
                throw new System.InvalidOperationException("not staged: " + UpdateOutcome.Name(Engine.LastOutcome) + " " + Engine.LastDetail);
            }

            return url;
        }

        /// <summary>Boots into the staged candidate and runs it healthy until it is confirmed.</summary>
        public void BootAndConfirm()
        {
            Boot();
            Run(true, 10);
        }

        /// <summary>Writes a bundle straight into a slot (factory programming, or a test planting content).</summary>
        public static void Install(MemoryFileStore flash, int slot, TestBundle bundle)
        {
            byte[] manifest = bundle.Manifest();
            flash.Put(SlotLayout.Path(slot, SlotLayout.Manifest), manifest);
            flash.Put(SlotLayout.Path(slot, SlotLayout.Signature), bundle.Sign(manifest));
            flash.Put(SlotLayout.Path(slot, SlotLayout.Delegation), bundle.Delegation());
            for (int i = 0; i < bundle.Payloads.Length; i++)
            {
                flash.Put(SlotLayout.Path(slot, bundle.PayloadNames[i]), bundle.Payloads[i]);
            }
        }

        /// <summary>Publishes <paramref name="bundle"/> under <see cref="BaseUrl"/> + <paramref name="folder"/> + "/" and returns that URL.</summary>
        public string Publish(TestBundle bundle, string folder)
        {
            byte[] manifest = bundle.Manifest();
            return Publish(bundle, folder, manifest, bundle.Sign(manifest));
        }

        /// <summary>Publishes a bundle with the given manifest bytes and signature (tamper tests).</summary>
        public string Publish(TestBundle bundle, string folder, byte[] manifest, byte[] signature)
        {
            string url = BaseUrl + folder + "/";
            Server.PutBundle(url, manifest, signature, bundle.Delegation(), bundle.PayloadNames, bundle.Payloads);
            return url;
        }

        /// <summary>Flips bits <paramref name="mask"/> of byte <paramref name="position"/> (from the end when negative) of a flash file, as a flash fault or an attacker would.</summary>
        public void Corrupt(string path, int position, int mask)
        {
            byte[] data = Flash.Snapshot(path);
            if (data == null)
            {
                throw new System.InvalidOperationException(path + " does not exist");
            }

            data[position < 0 ? data.Length + position : position] ^= (byte)mask;
            Flash.Put(path, data);
        }

        /// <summary>The device's identity for install checks.</summary>
        public static InstallContext Device()
        {
            InstallContext device = new InstallContext();
            device.Product = "sensor";
            device.HardwareModel = "esp32-devkitc";
            device.LoaderVersion = 1;
            return device;
        }

        /// <summary>Boots over <paramref name="store"/>: plan, load (each file re-hashed in memory), start the engine.</summary>
        public void Boot(IFileStore store)
        {
            Store = store;
            Boots++;
            NowMs = 0;
            byte[] chunk = new byte[UpdateEngine.ChunkBytes];
            Journal = new JournalStore(store);
            Slots = new SlotVerifier(store, new BundleVerifier(Anchors), new BundleDocuments(), chunk);
            Planner = new BootPlanner(Journal, Slots);
            Plan = new BootPlan();
            Planner.Plan(Plan);
            Load();
            Engine = new UpdateEngine(store, Journal, Slots, new RevocationStore(store), Server, Device(), chunk);
            Engine.Start(NowMs, Plan);
        }

        /// <summary>Boots over the flash itself.</summary>
        public void Boot()
        {
            Boot(Flash);
        }

        /// <summary>Sends an offer for <paramref name="url"/>; returns the engine's answer.</summary>
        public int Offer(string url)
        {
            return OfferJson("{\"url\":\"" + url + "\"}");
        }

        /// <summary>Sends the offer payload <paramref name="json"/> after the offer spacing; returns the engine's answer.</summary>
        public int OfferJson(string json)
        {
            byte[] payload = TestBytes.Utf8(json);
            NowMs += UpdateEngine.DefaultOfferSpacingMs;
            return Engine.Offer(payload, 0, payload.Length, NowMs);
        }

        /// <summary>
        /// Steps the engine until it has nothing to do, asks for a reboot, power is lost, or <paramref name="maxSteps"/>.
        /// <paramref name="healthy"/> is what the agent would report (connected and a report acknowledged).
        /// </summary>
        public void Run(bool healthy, int maxSteps)
        {
            for (int i = 0; i < maxSteps; i++)
            {
                if (Engine.RebootRequested || PowerLost())
                {
                    return;
                }

                long sleep = Engine.Step(NowMs, Utc, true, Random.NextUInt(), healthy && Running != null);
                if (sleep == long.MaxValue)
                {
                    return;
                }

                long advance = sleep < 1 ? 1 : sleep;
                NowMs += advance;
                Utc += advance / 1000;
            }
        }

        /// <summary>True when the store in use has lost power.</summary>
        public bool PowerLost()
        {
            PowerCutFileStore cut = Store as PowerCutFileStore;
            return cut != null && cut.PowerLost;
        }

        /// <summary>Version in the journal's active slot as it verifies now, or null.</summary>
        public string ActiveVersion()
        {
            JournalStore journal = new JournalStore(Flash);
            bool found;
            journal.Load(out found);
            if (!found || !journal.Current.HasActive)
            {
                return null;
            }

            SlotVerifier slots = new SlotVerifier(Flash, new BundleVerifier(Anchors), new BundleDocuments(), new byte[UpdateEngine.ChunkBytes]);
            UpdateJournal current = journal.Current;
            if (slots.VerifyChain(current.ActiveSlot, current.ActiveDigest, current.SecurityFloor) != BundleStatus.Verified
                || slots.VerifyPayload(current.ActiveSlot, slots.Manifest) != BundleStatus.Verified)
            {
                return null;
            }

            return slots.Manifest.Version.ToString();
        }

        // The loader: every file of the planned slot is read and hashed in memory before it would be loaded; a failure
        // falls back as the planner decides.
        private void Load()
        {
            Running = null;
            LoadedFiles = 0;
            PayloadCheck check = new PayloadCheck();
            for (int attempt = 0; attempt < 3 && Plan.Slot >= 0; attempt++)
            {
                bool verified = true;
                for (int i = 0; i < Plan.Manifest.FileCount; i++)
                {
                    byte[] bytes;
                    if (SlotImage.TryLoad(Store, Plan.Slot, Plan.Manifest.Files[i], check, out bytes) != BundleStatus.Verified)
                    {
                        verified = false;
                        break;
                    }
                }

                if (!verified)
                {
                    Planner.OnLoadFailed(Plan, UpdateOutcome.RevertedCorrupt);
                    continue;
                }

                string version = Plan.Manifest.Version.ToString();
                if (version == FailingVersion)
                {
                    Planner.OnLoadFailed(Plan, UpdateOutcome.RevertedAppFailed);
                    continue;
                }

                Running = version;
                LoadedFiles = Plan.Manifest.FileCount;
                return;
            }
        }
    }
}
