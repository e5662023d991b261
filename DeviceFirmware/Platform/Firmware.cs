using System;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using nanoFramework.M2Mqtt;
using nanoFramework.Runtime.Native;
using SecureDevice.Adapters.Connectivity;
using SecureDevice.Adapters.Network;
using SecureDevice.Adapters.Storage;
using SecureDevice.Adapters.Telemetry;
using SecureDevice.Adapters.Update;
using SecureDevice.Core.Application;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Text;
using SecureDevice.Core.Update;

namespace SecureDevice.Platform
{
    /// <summary>
    /// Wires the portable core to the ESP32 adapters: boot plan and verified load first (the application runs whatever
    /// happens to the network), then Wi-Fi, time, MQTT and the update engine, then the agent's loop. All decisions are
    /// the core's; this class only owns the clock, the random source, sleeping and the reboot.
    /// </summary>
    internal sealed class Firmware
    {
        /// <summary>Loader version reported to install checks (a bundle's minLoaderVersion).</summary>
        internal const long LoaderVersion = 1;

        private const string Root = "I:\\securedevice";
        private const int SupplyAdcChannel = 6;

        private readonly LittleFsFileStore _store = new LittleFsFileStore(Root);
        private readonly Random _random = new Random();

        internal void Run()
        {
            byte[] chunk = new byte[UpdateEngine.ChunkBytes];
            JournalStore journal = new JournalStore(_store);
            SlotVerifier slots = new SlotVerifier(_store, new BundleVerifier(Anchors()), new BundleDocuments(), chunk);
            BootPlanner planner = new BootPlanner(journal, slots);
            BootPlan plan = new BootPlan();
            planner.Plan(plan);
            Debug.WriteLine("loader: " + BootDecisionName(plan.Decision));
            RunningApplication application = new RunningApplication();
            ApplicationHost host = new ApplicationHost(_store, planner, application);
            host.Load(plan);

            DeviceConfig config = ReadConfig();
            X509Certificate ca = ReadCertificate("ca.pem");
            if (config == null || ca == null)
            {
                // Nothing to connect with: keep the application running and say why every minute.
                host.Start(null);
                while (true)
                {
                    Debug.WriteLine("firmware: missing or invalid config.json or ca.pem in " + Root + "; not connecting");
                    Thread.Sleep(60000);
                }
            }

            InstallContext device = new InstallContext();
            device.Product = config.Product;
            device.HardwareModel = config.Hardware;
            device.LoaderVersion = LoaderVersion;
            UpdateEngine engine = new UpdateEngine(_store, journal, slots, new RevocationStore(_store), new HttpsBundleSource(ca, 15000), device, chunk);
            engine.Start(WallClock.MonotonicMilliseconds, plan);
            host.Start(engine);

            WifiLink wifi = new WifiLink(600000);
            WallClock clock = new WallClock(null, null);
            if (wifi.WaitForAddress(60000))
            {
                clock.Start();
            }

            M2MqttTransport transport = new M2MqttTransport(config.BrokerHost, config.BrokerPort, ca, MqttSslProtocols.TLSv1_2, 8, 32, 16, 10000);
            Esp32HealthSource sensors = new Esp32HealthSource(SupplyAdcChannel, 3300, 2, 1, wifi, 2000L * config.TelemetryIntervalSeconds);
            DeviceAgent agent = new DeviceAgent(config, transport, _store, new BackoffConfig(), sensors, application);
            agent.AttachUpdates(engine);
            agent.Start(WallClock.MonotonicMilliseconds, false);
            while (true)
            {
                if (!clock.IsStarted && wifi.IsUp)
                {
                    clock.Start();
                }

                long sleep = agent.Step(WallClock.MonotonicMilliseconds, clock.UtcSecondsOrMinusOne(), wifi.IsUp, (uint)_random.Next());
                if (agent.RebootRequested)
                {
                    Debug.WriteLine("firmware: rebooting (" + (agent.RebootReason == Core.Telemetry.BootReason.Update ? "update" : "revert") + ")");
                    agent.Boot.BeforeReboot(agent.RebootReason);
                    agent.Connection.Disconnect();
                    Power.RebootDevice(RebootOption.NormalReboot);
                }

                Thread.Sleep((int)(sleep < 1 ? 1 : (sleep > 1000 ? 1000 : sleep)));
            }
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
                Debug.WriteLine("loader: no trust roots built in (Platform/TrustRoots.cs): every bundle is refused");
            }

            return anchors;
        }

        private DeviceConfig ReadConfig()
        {
            byte[] bytes = ReadFile("config.json", DeviceConfigParser.MaxBytes);
            if (bytes == null)
            {
                return null;
            }

            DeviceConfigParser parser = new DeviceConfigParser();
            DeviceConfig config;
            DocumentStatus status = parser.TryParse(bytes, 0, bytes.Length, out config);
            if (status != DocumentStatus.Valid)
            {
                Debug.WriteLine("firmware: " + parser.Reader.Describe("config.json", status));
                return null;
            }

            return config;
        }

        private X509Certificate ReadCertificate(string name)
        {
            byte[] bytes = ReadFile(name, 8192);
            if (bytes == null)
            {
                return null;
            }

            try
            {
                // The string constructor appends the NUL byte mbedTLS needs to parse PEM.
                return new X509Certificate(new string(System.Text.Encoding.UTF8.GetChars(bytes)));
            }
            catch (Exception)
            {
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

        private static string BootDecisionName(BootDecision decision)
        {
            switch (decision)
            {
                case BootDecision.AdoptInstalled: return "adopted the installed image";
                case BootDecision.RevertBootLimit: return "candidate reverted: boot limit";
                case BootDecision.RevertCorrupt: return "candidate reverted: corrupt";
                case BootDecision.ContinueTest: return "testing candidate, another boot";
                case BootDecision.StartTest: return "testing candidate, first boot";
                case BootDecision.AbandonDownload: return "download abandoned";
                case BootDecision.ResumeDownload: return "resuming download";
                default: return "booting the active slot";
            }
        }
    }
}
