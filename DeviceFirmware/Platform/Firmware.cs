using System;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using nanoFramework.Runtime.Native;
using SecureDevice.Adapters.Connectivity;
using SecureDevice.Adapters.Network;
using SecureDevice.Adapters.Storage;
using SecureDevice.Adapters.Telemetry;
using SecureDevice.Adapters.Update;
using SecureDevice.Core;
using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Text;
using SecureDevice.Core.Update;
using SecureDevice.Core.Time;

namespace SecureDevice.Platform
{
    /// <summary>
    /// Wires the portable core to the ESP32 adapters. Every decision is the core's: the boot sequence (plan, verify in
    /// memory, load; a half-loaded candidate means a reboot), then Wi-Fi, time, MQTT and the update engine, then the
    /// device loop, which guards the agent and says when to reboot. This class owns only what the core cannot: the
    /// clock, the random source, sleeping, the board's limits and the reboot itself.
    /// </summary>
    internal sealed class Firmware
    {
        /// <summary>Loader version reported to install checks (a bundle's minLoaderVersion).</summary>
        internal const long LoaderVersion = 1;

        // The board: an ESP32 without PSRAM (about 100-160 KB of managed heap). A WROVER with PSRAM can raise these.
        private const long MaxApplicationBytes = BootOptions.DefaultMaxPayloadBytes;
        private const long MemoryReserveBytes = BootOptions.DefaultMemoryReserveBytes;
        private const string Root = "I:\\securedevice";
        private const int SupplyAdcChannel = 6;
        private const int HttpTimeoutMilliseconds = 15000;
        private const int HttpOpenBudgetMilliseconds = 20000;

        private readonly LittleFsFileStore _store = new LittleFsFileStore(Root);
        private readonly Random _random = new Random();

        internal void Run()
        {
            // The compute load's idle rate, measured before the application or the network runs (about one second).
            IdleProbe probe = new IdleProbe();
            probe.MeasureCalibration();
            BootSession session = BootSession.Begin(_store, false);
            UpdateStack stack = new UpdateStack(_store, Anchors(), Options());
            BootSequence loader = new BootSequence(stack, new AssemblyRuntime(), session);
            BootResult result = loader.Run();
            Log.Line("loader: boot " + session.Tracker.BootCount + ", " + BootDecisionName(loader.Plan.Decision) + ", " + Name(result)
                + (loader.LastDetail.Length > 0 ? ": " + loader.LastDetail : string.Empty));
            if (result == BootResult.RebootRequired)
            {
                // The journal already reverted the candidate: load the active slot in a fresh process.
                Reboot(0);
            }

            string problem;
            DeviceConfig config = ReadConfig(out problem);
            X509Certificate ca = config == null ? null : ReadCertificate("ca.pem", out problem);
            if (config == null || ca == null)
            {
                // Nothing to connect with: the application keeps running; the fault is reported once it can be.
                session.Faults.Record(FaultCode.ConfigInvalid, problem);
                while (true)
                {
                    Log.Line("firmware: not connecting: " + problem);
                    Thread.Sleep(60000);
                }
            }

            UpdateEngine engine = stack.CreateEngine(new HttpsBundleSource(ca, HttpTimeoutMilliseconds, HttpOpenBudgetMilliseconds),
                config.Product, config.Hardware, loader.Plan, WallClock.MonotonicMilliseconds);
            WifiLink wifi = new WifiLink(600000);
            WallClock clock = new WallClock();
            if (wifi.WaitForAddress(60000))
            {
                clock.Start();
            }

            M2MqttTransport transport = new M2MqttTransport(config.BrokerHost, config.BrokerPort, ca, new M2MqttTransportOptions());
            // No INA219: System.Device.I2c is not among this firmware's packages (docs/telemetry.md says how to add one).
            Esp32HealthSourceOptions board = new Esp32HealthSourceOptions();
            board.SupplyChannel = SupplyAdcChannel;
            board.RssiMaximumAgeMilliseconds = 2000L * config.TelemetryIntervalSeconds;
            Esp32HealthSource sensors = new Esp32HealthSource(board, wifi, probe, null);
            DeviceAgent agent = new DeviceAgent(config, transport, _store, new BackoffConfig(), sensors, session);
            probe.Calibrate(agent.Health.Load);
            probe.Start();
            agent.AttachUpdates(engine);
            agent.Start(WallClock.MonotonicMilliseconds);
            DeviceLoop loop = new DeviceLoop(session, agent);
            StepInput input = new StepInput(); // one for the whole loop: refreshed each iteration, never allocated again
            while (true)
            {
                uint random = (uint)_random.Next();
                long sleep;
                try
                {
                    if (!clock.IsStarted && wifi.IsUp)
                    {
                        clock.Start();
                    }

                    sleep = loop.Step(input.Set(WallClock.MonotonicMilliseconds, clock.UtcSecondsOrMinusOne(), wifi.IsUp, random));
                }
                catch (Exception error)
                {
                    loop.Fail(error, random);
                    sleep = 0;
                }

                if (loop.RebootRequested)
                {
                    Log.Line("firmware: rebooting (" + Name(loop.RebootReason) + ") in " + loop.RebootDelayMs + " ms");
                    loop.Shutdown();
                    Reboot(loop.RebootDelayMs);
                }

                Thread.Sleep((int)(sleep < 1 ? 1 : (sleep > 1000 ? 1000 : sleep)));
            }
        }

        /// <summary>Waits <paramref name="delayMs"/> (the fault backoff) and reboots; never returns.</summary>
        internal static void Reboot(long delayMs)
        {
            if (delayMs > 0)
            {
                Thread.Sleep((int)(delayMs > int.MaxValue ? int.MaxValue : delayMs));
            }

            Power.RebootDevice(RebootOption.NormalReboot);
            while (true)
            {
                Thread.Sleep(1000);
            }
        }

        private static BootOptions Options()
        {
            BootOptions options = new BootOptions();
            options.LoaderVersion = LoaderVersion;
            options.MaxPayloadBytes = MaxApplicationBytes;
            options.MemoryReserveBytes = MemoryReserveBytes;
            return options;
        }

        private static TrustAnchors Anchors()
        {
            TrustAnchors anchors = new TrustAnchors();
            for (int i = 0; i < TrustRoots.PublicKeys.Length; i++)
            {
                anchors.TryAdd(Hex.Decode(TrustRoots.PublicKeys[i]), 0);
            }

            if (anchors.Count == 0)
            {
                Log.Line("loader: no trust roots built in (Platform/TrustRoots.cs): every bundle is refused");
            }

            return anchors;
        }

        private DeviceConfig ReadConfig(out string problem)
        {
            byte[] bytes = ReadFile("config.json", DeviceConfigParser.MaxBytes);
            if (bytes == null)
            {
                problem = "config.json missing, unreadable or over " + DeviceConfigParser.MaxBytes + " bytes";
                return null;
            }

            DeviceConfigParser parser = new DeviceConfigParser();
            DeviceConfig config;
            DocumentStatus status = parser.TryParse(bytes, 0, bytes.Length, out config);
            if (status != DocumentStatus.Valid)
            {
                problem = parser.Reader.Describe("config.json", status);
                return null;
            }

            problem = null;
            return config;
        }

        private X509Certificate ReadCertificate(string name, out string problem)
        {
            byte[] bytes = ReadFile(name, 8192);
            if (bytes == null)
            {
                problem = name + " missing, unreadable or over 8192 bytes";
                return null;
            }

            try
            {
                // The string constructor appends the NUL byte mbedTLS needs to parse PEM.
                problem = null;
                return new X509Certificate(new string(System.Text.Encoding.UTF8.GetChars(bytes)));
            }
            catch (Exception)
            {
                problem = name + " is not a PEM certificate";
                return null;
            }
        }

        // Reads a small file whole, or null when it is missing, unreadable or larger than `maximum`.
        private byte[] ReadFile(string name, int maximum)
        {
            long length;
            if (_store.Length(name, out length) != StorageStatus.Ok || length < 1 || length > maximum)
            {
                return null;
            }

            byte[] bytes = new byte[(int)length];
            int read;
            if (_store.Read(name, 0, bytes, 0, bytes.Length, out read) != StorageStatus.Ok || read != bytes.Length)
            {
                return null;
            }

            return bytes;
        }

        private static string Name(BootResult result)
        {
            switch (result)
            {
                case BootResult.Running: return "application running";
                case BootResult.RebootRequired: return "rebooting into the active slot";
                default: return "no application";
            }
        }

        private static string Name(Core.Telemetry.BootReason reason)
        {
            switch (reason)
            {
                case Core.Telemetry.BootReason.Update: return "update";
                case Core.Telemetry.BootReason.Revert: return "revert";
                case Core.Telemetry.BootReason.Fault: return "fault";
                default: return "planned";
            }
        }

        private static string BootDecisionName(BootDecision decision)
        {
            switch (decision)
            {
                case BootDecision.AdoptInstalled: return "adopted the installed image";
                case BootDecision.RevertBootLimit: return "candidate reverted: boot limit";
                case BootDecision.RevertCorrupt: return "candidate reverted: corrupt";
                case BootDecision.RevertLoadFailed: return "candidate reverted: load failed";
                case BootDecision.ContinueTest: return "testing candidate, another boot";
                case BootDecision.StartTest: return "testing candidate, first boot";
                case BootDecision.AbandonDownload: return "download abandoned";
                case BootDecision.ResumeDownload: return "resuming download";
                default: return "booting the active slot";
            }
        }
    }
}
