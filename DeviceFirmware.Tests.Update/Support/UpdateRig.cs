using SecureDevice.Core;
using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;
using SecureDevice.Core.Time;

namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// A device for update tests, made of the real core parts: flash (<see cref="Flash"/>), the loader's boot sequence
    /// (<see cref="BootSequence"/> over <see cref="UpdateStack"/>, exactly as the firmware runs it), the update engine, an
    /// in-memory server. The rig is also the sequence's application runtime: it records what would be loaded and can fail a
    /// load or a start on demand. A boot builds every part anew over the flash, as a reset does. Time advances only when
    /// the rig steps.
    /// The rig is the board scaled down 16 times, so that a test keeps its live data within a board's heap
    /// (DeviceTestMemoryTests): the engine's chunk is <see cref="ChunkBytes"/> instead of 4096 bytes and the server delivers
    /// <see cref="PieceBytes"/> instead of 1024 at a time. A bundle 16 times smaller than a real one then takes as many
    /// pieces, chunks, download steps and flash appends as the real one would on the board; the update tests give their
    /// file sizes in pieces (560 bytes are 9 pieces).
    /// </summary>
    public sealed class UpdateRig : IApplicationRuntime
    {
        /// <summary>Where the rig's server publishes bundles.</summary>
        public const string BaseUrl = "https://updates.example/bundles/";

        /// <summary>The engine's chunk buffer in the rig: the board's <see cref="UpdateEngine.ChunkBytes"/> scaled down 16 times.</summary>
        public const int ChunkBytes = UpdateEngine.ChunkBytes / 16;

        /// <summary>Most bytes the rig's server delivers per read: a network piece of 1024 bytes scaled down 16 times.</summary>
        public const int PieceBytes = 64;

        /// <summary>The flash that outlives boots.</summary>
        public readonly MemoryFileStore Flash = new MemoryFileStore();

        /// <summary>The update server.</summary>
        public readonly MemoryBundleSource Server = new MemoryBundleSource();

        // The platform's one step input, refreshed at each step.
        private readonly StepInput _input = new StepInput();

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

        /// <summary>When set, starting the application of this version fails with <see cref="StartFailure"/>.</summary>
        public string FailingVersion;

        /// <summary>What a start of <see cref="FailingVersion"/> answers (default: it threw).</summary>
        public ApplicationStart StartFailure = ApplicationStart.Threw;

        /// <summary>When 0 or more, the runtime refuses the load with this index (counted over the rig's life) with <see cref="LoadFailure"/>.</summary>
        public int FailLoadNumber = -1;

        /// <summary>What a refused load answers (default: it threw).</summary>
        public ApplicationStart LoadFailure = ApplicationStart.Threw;

        /// <summary>What the runtime reports as free memory (-1: unknown, no check).</summary>
        public long FreeMemory = -1;

        /// <summary>Loads the runtime was asked for, over the rig's life.</summary>
        public int LoadCalls;

        /// <summary>The loader's limits and timings: production defaults but for the chunk (<see cref="ChunkBytes"/>), unless a test changes them before booting.</summary>
        public BootOptions Options = new BootOptions();

        /// <summary>The store the current boot uses (the flash, or a power-cutting wrapper of it).</summary>
        public IFileStore Store;

        /// <summary>The update stack of the current boot (journal, slots, planner).</summary>
        public UpdateStack Stack;

        /// <summary>The session of the current boot (boot count and reason, fault record, what runs).</summary>
        public BootSession Session;

        /// <summary>The loader of the current boot.</summary>
        public BootSequence Sequence;

        /// <summary>How the current boot ended.</summary>
        public BootResult Result;

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

        /// <summary>Files the runtime loaded this boot (each verified in memory first).</summary>
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
            Options.ChunkBytes = ChunkBytes;
            Server.MaxRead = PieceBytes;
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
                throw new System.InvalidOperationException("not staged: " + UpdateOutcomes.Name(Engine.Status.LastOutcome) + " " + Engine.Status.LastDetail);
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

        /// <summary>Boots over <paramref name="store"/> as the firmware does: the boot sequence (plan, verify in memory, load), then the engine.</summary>
        public void Boot(IFileStore store)
        {
            // A reset loses the RAM: nothing of the previous boot stays alive while this one builds its parts.
            PowerOff();
            Store = store;
            Boots++;
            NowMs = 0;
            Running = null;
            LoadedFiles = 0;
            Session = BootSession.Begin(store, false);
            Stack = new UpdateStack(store, Anchors, Options);
            Journal = Stack.Journal;
            Slots = Stack.Slots;
            Planner = Stack.Planner;
            Sequence = new BootSequence(Stack, this, Session);
            Result = Sequence.Run();
            Plan = Sequence.Plan;
            if (Session.Application.Loaded)
            {
                Running = Session.Application.Version.ToString();
            }

            Engine = Stack.CreateEngine(Server, "sensor", "esp32-devkitc", Plan, NowMs);
        }

        /// <summary>Boots over the flash itself.</summary>
        public void Boot()
        {
            Boot(Flash);
        }

        /// <summary>Sends an offer for <paramref name="url"/>; returns the engine's answer.</summary>
        public UpdateOutcome Offer(string url)
        {
            return OfferJson("{\"url\":\"" + url + "\"}");
        }

        /// <summary>Sends the offer payload <paramref name="json"/> after the offer spacing; returns the engine's answer.</summary>
        public UpdateOutcome OfferJson(string json)
        {
            byte[] payload = TestBytes.Utf8(json);
            NowMs += OfferIntake.DefaultSpacingMs;
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
                if (Engine.Status.RebootRequested || PowerLost())
                {
                    return;
                }

                if (StepOnce(healthy) == long.MaxValue)
                {
                    return;
                }
            }
        }

        /// <summary>
        /// Steps the engine (healthy when an application runs) until it is in <paramref name="state"/>, has nothing to do,
        /// or <paramref name="maxSteps"/>; returns the last step's answer.
        /// </summary>
        public long RunUntil(UpdateState state, int maxSteps)
        {
            long sleep = 0;
            for (int i = 0; i < maxSteps && Engine.Status.State != state && sleep != long.MaxValue; i++)
            {
                sleep = StepOnce(true);
            }

            return sleep;
        }

        // One step at the rig's time; then time advances by the sleep asked for (at least 1 ms) unless there is nothing to do.
        private long StepOnce(bool healthy)
        {
            long sleep = Engine.Step(_input.Set(NowMs, Utc, true, Random.NextUInt()), healthy && Running != null);
            if (sleep != long.MaxValue)
            {
                long advance = sleep < 1 ? 1 : sleep;
                NowMs += advance;
                Utc += advance / 1000;
            }

            return sleep;
        }

        /// <summary>True when the store in use has lost power.</summary>
        public bool PowerLost()
        {
            PowerCutFileStore cut = Store as PowerCutFileStore;
            return cut != null && cut.PowerLost;
        }

        /// <summary>
        /// Powers the device off (the parts of the current boot are dropped, as at a reset) and returns the version in the
        /// journal's active slot as a verifier of its own reads it from the flash, or null. Boot again to go on.
        /// </summary>
        public string ActiveVersion()
        {
            PowerOff();
            JournalStore journal = new JournalStore(Flash);
            bool found;
            journal.Load(out found);
            if (!found || !journal.Current.HasActive)
            {
                return null;
            }

            SlotVerifier slots = new SlotVerifier(Flash, new BundleVerifier(Anchors), new BundleDocuments(), new byte[Options.ChunkBytes]);
            UpdateJournal current = journal.Current;
            if (slots.VerifyChain(current.ActiveSlot, current.ActiveDigest, current.SecurityFloor) != BundleStatus.Verified
                || slots.VerifyPayload(current.ActiveSlot, slots.Manifest) != BundleStatus.Verified)
            {
                return null;
            }

            return slots.Manifest.Version.ToString();
        }

        // Drops every part of the current boot: a board has the RAM for one set of them.
        private void PowerOff()
        {
            Stack = null;
            Session = null;
            Sequence = null;
            Journal = null;
            Slots = null;
            Planner = null;
            Plan = null;
            Engine = null;
        }

        /// <summary>The runtime's free memory, as <see cref="FreeMemory"/> says.</summary>
        public long FreeBytes()
        {
            return FreeMemory;
        }

        /// <summary>Records the load; refuses it when it is <see cref="FailLoadNumber"/>.</summary>
        public ApplicationStart Load(string fileName, byte[] image)
        {
            int number = LoadCalls++;
            if (number == FailLoadNumber)
            {
                return LoadFailure;
            }

            LoadedFiles++;
            return ApplicationStart.Started;
        }

        /// <summary>Starts the application, unless it is <see cref="FailingVersion"/>.</summary>
        public ApplicationStart Start(string assembly, string type, string method, RunningApplication application)
        {
            if (FailingVersion != null && Sequence.Plan.Manifest.Version.ToString() == FailingVersion)
            {
                return StartFailure;
            }

            return ApplicationStart.Started;
        }
    }
}
