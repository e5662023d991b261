using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using SecureDevice.Core.Connectivity;
using SecureDevice.Tool.Cli;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Pki;
using SecureDevice.VirtualDevice;

namespace SecureDevice.Tool.Commands.Lab;

/// <summary><c>securedevice simulate</c>: runs N virtual devices (the firmware core with host adapters) against a real broker.</summary>
public static class SimulateCommand
{
    public static Command Create(ToolConsole console)
    {
        var pki = new Option<string>("--pki") { Description = "PKI folder (from 'pki init').", Required = true };
        var broker = new Option<string>("--broker") { Description = "Broker HOST:PORT; HOST must match the broker certificate.", Required = true };
        var devices = new Option<string>("--devices") { Description = "Number of virtual devices (default 10).", };
        var duration = new Option<string>("--duration") { Description = "How long to run: 90s, 5m, 1h (default 60s)." };
        var prefix = new Option<string>("--prefix") { Description = "Device id prefix (default vdev)." };
        var timeScale = new Option<string>("--time-scale")
        {
            Description = "Each device's monotonic clock runs N times faster, 1.." + DeviceClock.MaxScale + " (default 1): the firmware's report interval, budgets and backoff in less wall time; wall time stays real.",
        };
        var command = new Command("simulate", "Run virtual devices against a real broker, provisioning the identities they lack.")
        {
            pki, broker, devices, duration, prefix, timeScale,
        };
        command.SetAction(result =>
        {
            var layout = new PkiLayout(result.GetValue(pki)!);
            var (host, port) = CliParsing.HostPort(result.GetValue(broker)!, "--broker");
            int count = result.GetValue(devices) is string d ? (int)CliParsing.Count(d, "--devices", 5000) : 10;
            TimeSpan runFor = result.GetValue(duration) is string t ? CliParsing.Duration(t, "--duration") : TimeSpan.FromSeconds(60);
            string idPrefix = CliParsing.Identifier(result.GetValue(prefix) ?? "vdev", "--prefix");
            int scale = result.GetValue(timeScale) is string s ? CliParsing.Between(s, "--time-scale", 1, DeviceClock.MaxScale) : 1;
            if (count < 1)
            {
                throw new ToolException("--devices must be at least 1");
            }

            string folder = Path.Combine(layout.Folder, "virtual-devices");
            var identities = new List<DeviceIdentity>();
            for (int i = 1; i <= count; i++)
            {
                string id = idPrefix + "-" + i.ToString("D4", CultureInfo.InvariantCulture);
                if (!File.Exists(Path.Combine(folder, id + ".config.json")))
                {
                    Provisioning.Provision(new ProvisionRequest { Pki = layout, DeviceId = id, OutputFolder = folder, Settings = DeviceSettings.For(host, port), Now = console.Clock() });
                }

                identities.Add(DeviceIdentity.Load(folder, id, layout.RootCertificate));
            }

            // The broker grants rights only to devices its dynamic-security plugin knows ('broker sync').
            using (var admin = SecureDevice.Fleet.Broker.DynamicSecurityAdmin.For(layout, host, port))
            {
                var synced = admin.SyncAsync(SecureDevice.Fleet.Pki.Inventory.Load(layout.Inventory)).GetAwaiter().GetResult();
                if (synced.Status != SecureDevice.Fleet.Broker.BrokerAccessStatus.Done)
                {
                    throw new ToolException("cannot register the devices with the broker (" + synced.Status + "): " + synced.Detail);
                }
            }

            using var fleet = new SecureDevice.VirtualDevice.Fleet(identities, timeScale: scale);
            console.Line("simulating " + count + " devices against " + host + ":" + port + " for " + runFor.TotalSeconds + " s" + (scale == 1 ? string.Empty : ", device clocks " + scale + "x") + " (identities in " + folder + ")");
            console.Out.WriteLine("{0,8} {1,10} {2,9} {3,8} {4,6} {5,6} {6,8} {7,8}", "time s", "connected", "attempts", "network", "tls", "auth", "refused", "msgs up");
            DateTime start = DateTime.UtcNow;
            fleet.StartAll();
            while (DateTime.UtcNow - start < runFor)
            {
                Thread.Sleep(TimeSpan.FromSeconds(Math.Min(5, Math.Max(1, (runFor - (DateTime.UtcNow - start)).TotalSeconds))));
                Print(console, fleet, DateTime.UtcNow - start);
            }

            foreach (VirtualDevice.VirtualDevice device in fleet.Devices)
            {
                device.Stop();
            }

            return 0;
        });
        return command;
    }

    private static void Print(ToolConsole console, SecureDevice.VirtualDevice.Fleet fleet, TimeSpan elapsed)
    {
        IEnumerable<ConnectionCounters> counters = fleet.Devices.Select(d => d.Agent.Connection.Counters);
        console.Out.WriteLine("{0,8:0} {1,10} {2,9} {3,8} {4,6} {5,6} {6,8} {7,8}", elapsed.TotalSeconds, fleet.ConnectedCount,
            counters.Sum(c => c.Attempts), counters.Sum(c => c.FailedNetwork), counters.Sum(c => c.FailedTls),
            counters.Sum(c => c.FailedAuthentication), counters.Sum(c => c.FailedRefused), counters.Sum(c => c.MessagesUp));
    }
}
