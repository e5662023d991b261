using SecureDevice.Core;
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Signing;
using SecureDevice.Fleet.Updates;
using SecureDevice.Lab.Signing;
using SecureDevice.VirtualDevice.Updates;
using SecureDevice.Doubles;
using SecureDevice.Core.Time;

namespace SecureDevice.Lab.Simulation;

/// <summary>Figures of <see cref="UpdateSimulation.Run"/>.</summary>
public sealed record UpdateSimulationResult(
    int BundleBytes,
    int Files,
    int FlashWrites,
    int Appends,
    int LargestWrite,
    int LargestRead,
    int DocumentBufferBytes,
    int InjectedFaults,
    int Resumes,
    long BytesReceived,
    long BytesRehashed,
    int Boots,
    double DownloadMilliseconds,
    int CrashPoints,
    int Recovered,
    IReadOnlyList<string> Failures)
{
    /// <summary>Largest buffer the update path holds: the document buffers plus the one chunk buffer reads and writes go through.</summary>
    public int PeakBufferBytes => DocumentBufferBytes + Math.Max(LargestRead, LargestWrite);

    public double MillisecondsPer100Kb => DownloadMilliseconds * 102400.0 / BundleBytes;

    public string ResultLine => FormattableString.Invariant(
        $"RESULT flash_writes={FlashWrites} peak_buffer_bytes={PeakBufferBytes} crash_points={CrashPoints} recovered={Recovered} ms_per_100kb={MillisecondsPer100Kb:0.0}");
}

/// <summary>
/// A whole update on a virtual device, over real HTTPS: the loader boots a factory image, the engine takes an offer,
/// downloads a signed bundle from an in-process <see cref="UpdateServer"/> through a link that drops connections at
/// random, stages it, reboots, tests and confirms it. Then the power-loss sweep: the same update once per flash mutation
/// k, with power cut at the k-th (keeping 0, 50 or 100 % of the interrupted write); after each cut the device reboots
/// and must boot a verified slot every time and still end confirmed. Time is simulated (backoff waits cost nothing);
/// the network and the cryptography are real. Keys and certificates are throwaway, in memory.
/// </summary>
public static class UpdateSimulation
{
    private const string Product = "sensor";
    private const string Hardware = "esp32-devkitc";
    private const int MaxBoots = 12;

    public static UpdateSimulationResult Run(int bundleKb, ulong seed, double dropProbability)
    {
        var random = new SeededRandom(seed);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using SigningKit kit = SigningKit.Create(bytes => Fill(random, bytes), "sim-release", new[] { Product }, now - 3600, now + (365 * 86400L));
        SignedBundle factory = kit.Sign(Product, new[] { Hardware }, "1.0.0", 2, now - 60, new[] { ("Sensor.App.pe", SimulatedApplication.EntryAssembly("1.0.0")) });
        SignedBundle release = kit.Sign(Product, new[] { Hardware }, "1.1.0", 3, now - 60, Payload(bundleKb * 1024, random));
        string root = Directory.CreateTempSubdirectory("securedevice-sim-update-").FullName;
        try
        {
            kit.Write(release, Path.Combine(root, "1.1.0"), now);
            var start = DateTimeOffset.UtcNow.AddMinutes(-5);
            using IssuedCertificate ca = CertificateAuthority.CreateRoot("SecureDevice simulation update CA", start, start.AddDays(1));
            using IssuedCertificate server = CertificateAuthority.CreateServer(ca, "127.0.0.1", new[] { "localhost" }, new[] { IPAddress.Loopback }, start, start.AddDays(1));
            using X509Certificate2 serverWithKey = X509CertificateLoader.LoadPkcs12(server.Certificate.CopyWithPrivateKey(server.Key).Export(X509ContentType.Pkcs12), null);
            using UpdateServer updates = UpdateServer.Start(root, 0, serverWithKey);
            string url = updates.BaseUrl + "1.1.0/";
            var context = new Context(kit.Anchors(), ca.Certificate, url, now);

            // The whole update, with drops.
            var flash = new MemoryFileStore();
            Install(flash, factory);
            var measured = new MeasuringFileStore(flash);
            var sources = new List<MeasuringBundleSource>();
            var flaky = new List<FlakyBundleSource>();
            UpdateOptions options = context.Options(() =>
            {
                var link = new FlakyBundleSource(context.Https(), new Random((int)random.NextUInt()), dropProbability / 4, dropProbability);
                flaky.Add(link);
                var source = new MeasuringBundleSource(link);
                sources.Add(source);
                return source;
            });
            var run = new Runner(context, options, random.Fork(1));
            run.Boot(measured);
            int writesBefore = measured.Mutations;
            int appendsBefore = measured.Appends;
            string? failure = run.Drive(measured, null, alreadyBooted: true);
            if (failure != null)
            {
                throw new InvalidOperationException("the update did not complete: " + failure);
            }

            int flashWrites = measured.Mutations - writesBefore;
            int appends = measured.Appends - appendsBefore;
            int largestRead = 0;
            long received = 0;
            foreach (MeasuringBundleSource source in sources)
            {
                largestRead = Math.Max(largestRead, source.LargestRead);
                received += source.Bytes;
            }

            int faults = 0;
            foreach (FlakyBundleSource link in flaky)
            {
                faults += link.InjectedFaults;
            }

            // The sweep: a cut at every mutation of the same update, without drops so runs repeat the baseline.
            UpdateOptions steady = context.Options(() => context.Https());
            var baselineFlash = new MemoryFileStore();
            Install(baselineFlash, factory);
            var counting = new PowerCutFileStore(baselineFlash, 0, 0);
            new Runner(context, steady, random.Fork(2)).Drive(counting, null);
            int crashPoints = 0;
            int recovered = 0;
            var failures = new List<string>();
            for (int cut = 1; cut <= counting.Mutations + 8; cut++)
            {
                var cutFlash = new MemoryFileStore();
                Install(cutFlash, factory);
                var faulty = new PowerCutFileStore(cutFlash, cut, (cut % 3) * 50);
                var runner = new Runner(context, steady, random.Fork(100 + cut));
                runner.Drive(faulty, () => faulty.PowerLost);
                if (!faulty.PowerLost)
                {
                    continue;
                }

                crashPoints++;
                string? problem = runner.Drive(cutFlash, null) ?? runner.CheckConfirmed(cutFlash);
                if (problem == null)
                {
                    recovered++;
                }
                else
                {
                    failures.Add("cut " + cut + ": " + problem);
                }
            }

            return new UpdateSimulationResult(
                bundleKb * 1024, release.Files.Count, flashWrites, appends, measured.LargestWrite, largestRead, new BundleDocuments().BufferBytes,
                faults, run.Resumes, received, run.BytesRehashed, run.Boots, run.DownloadMilliseconds, crashPoints, recovered, failures);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // Three assemblies: the entry (half the bundle, marked as a well-behaved simulated application), two libraries.
    private static List<(string Name, byte[] Content)> Payload(int total, SeededRandom random)
    {
        int[] sizes = { total / 2, total * 3 / 10, total - (total / 2) - (total * 3 / 10) };
        string[] names = { "Sensor.App.pe", "Sensor.Lib.pe", "Sensor.Drivers.pe" };
        var files = new List<(string, byte[])>();
        for (int i = 0; i < sizes.Length; i++)
        {
            byte[] content = new byte[Math.Max(sizes[i], 64)];
            Fill(random, content);
            if (i == 0)
            {
                byte[] text = SimulatedApplication.EntryAssembly("1.1.0");
                Array.Copy(text, content, Math.Min(text.Length, content.Length));
            }

            files.Add((names[i], content));
        }

        return files;
    }

    private static void Install(MemoryFileStore flash, SignedBundle bundle) => SigningKit.InstallInto(bundle, flash, SlotLayout.SlotA);

    private static void Fill(SeededRandom random, byte[] bytes)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)random.NextUInt();
        }
    }

    private sealed class Context(TrustAnchors anchors, X509Certificate2 updateCa, string url, long utcStart)
    {
        public string Url { get; } = url;

        public long UtcStart { get; } = utcStart;

        public HttpsBundleSource Https() => new(updateCa, TimeSpan.FromSeconds(10));

        // No payload limit: the simulation measures the update path for any bundle size (--bundle-kb); the loader's memory
        // limit belongs to the board and is tested in BootSequenceTests.
        public UpdateOptions Options(Func<IBundleSource> source) => new() { Anchors = anchors, Source = source, TestTimeoutMs = 600_000, MaxPayloadBytes = 0 };
    }

    // Drives one device through the update: boots, offers (again after a cut, as the service would), steps with simulated
    // time, reboots when asked, and checks after every boot that a verified slot of a known version runs.
    private sealed class Runner(Context context, UpdateOptions options, SeededRandom random)
    {
        private long _clockMs;
        private SimulatedBoot? _loader;

        public int Boots { get; private set; }

        public int Resumes { get; private set; }

        public long BytesRehashed { get; private set; }

        public double DownloadMilliseconds { get; private set; }

        public void Boot(IFileStore store)
        {
            // The firmware's boot: a session, the core's loader; a loader that asks for a reboot gets one at once.
            do
            {
                _loader?.Dispose();
                _loader = new SimulatedBoot(store, BootSession.Begin(store, false), options, Product, Hardware, _clockMs);
                Boots++;
            }
            while (_loader.Result == BootResult.RebootRequired && Boots < 10 * MaxBoots);
        }

        /// <summary>Runs until the update is confirmed (null) or power is lost (null), else returns what went wrong.</summary>
        public string? Drive(IFileStore store, Func<bool>? powerLost, bool alreadyBooted = false)
        {
            byte[] offer = Encoding.ASCII.GetBytes("{\"url\":\"" + context.Url + "\"}");
            for (int boot = 0; boot < MaxBoots; boot++)
            {
                if (!alreadyBooted || boot > 0)
                {
                    Boot(store);
                }

                if (powerLost?.Invoke() == true)
                {
                    return null;
                }

                SimulatedBoot loader = _loader!;
                string? invariant = BootInvariant(loader);
                if (invariant != null)
                {
                    return invariant;
                }

                UpdateEngine engine = loader.Engine;
                if (engine.Status.State == UpdateState.Idle)
                {
                    if (loader.Application.Version.ToString() == "1.1.0" && !loader.Plan.Testing)
                    {
                        return null;
                    }

                    _clockMs += engine.OfferSpacingMs;
                    engine.Offer(offer, 0, offer.Length, _clockMs);
                }

                var watch = Stopwatch.StartNew();
                for (int step = 0; step < 100_000 && !engine.Status.RebootRequested; step++)
                {
                    long sleep = engine.Step(new StepInput(_clockMs, context.UtcStart + (_clockMs / 1000), true, random.NextUInt()), loader.Application.Loaded);
                    if (powerLost?.Invoke() == true)
                    {
                        return null;
                    }

                    if (sleep == long.MaxValue)
                    {
                        break;
                    }

                    _clockMs += Math.Clamp(sleep, 1, 60_000);
                }

                DownloadMilliseconds += engine.Status.State == UpdateState.Staged ? watch.Elapsed.TotalMilliseconds : 0;
                Resumes += engine.Status.Statistics.Resumes;
                BytesRehashed += engine.Status.Statistics.BytesRehashed;
                if (engine.Status.LastOutcome == UpdateOutcome.Confirmed && !engine.Status.RebootRequested)
                {
                    return null;
                }
            }

            return "not confirmed after " + MaxBoots + " boots: " + UpdateOutcomes.Name(_loader!.Engine.Status.LastOutcome) + " " + _loader.Engine.Status.LastDetail;
        }

        /// <summary>One more boot over the flash: the new version runs, confirmed, with the raised floor.</summary>
        public string? CheckConfirmed(IFileStore store)
        {
            Boot(store);
            SimulatedBoot loader = _loader!;
            UpdateJournal journal = loader.Journal.Current;
            if (loader.Application.Version.ToString() != "1.1.0" || loader.Plan.Testing || journal.SecurityFloor != 3
                || journal.LastOutcome != UpdateOutcome.Confirmed)
            {
                return "final boot runs " + loader.Application.Version + (loader.Plan.Testing ? " under test" : string.Empty)
                    + ", floor " + journal.SecurityFloor + ", outcome " + UpdateOutcomes.Name(journal.LastOutcome);
            }

            return null;
        }

        private static string? BootInvariant(SimulatedBoot loader)
        {
            string version = loader.Application.Version.ToString();
            if (!loader.Application.Loaded || (version != "1.0.0" && version != "1.1.0"))
            {
                return "boot " + loader.Plan.Decision + " runs no verified application (" + version + ")";
            }

            bool testing = loader.Journal.Current.State == UpdateState.Testing;
            return testing == loader.Plan.Testing ? null : "the journal and the booted slot disagree about testing";
        }
    }
}
