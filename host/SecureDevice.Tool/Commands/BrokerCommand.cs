using System.CommandLine;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary>
/// <c>securedevice broker config</c> (option parsing over <see cref="BrokerConfig.Write"/>) and <c>broker sync</c>
/// (<see cref="DynamicSecurityAdmin.SyncAsync"/>: the broker's clients follow the inventory).
/// </summary>
public static class BrokerCommand
{
    public static Command Create(ToolConsole console)
    {
        var pki = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for mosquitto.conf and dynamic-security.json.", Required = true };
        var port = new Option<string>("--port") { Description = "TLS port (default 8883)." };
        var bind = new Option<string>("--bind") { Description = "IP address to listen on (default 127.0.0.1)." };
        var connections = new Option<string>("--max-connections") { Description = "Connections accepted, 1..10000000 (default 100000)." };
        var plugin = new Option<string>("--dynsec-plugin") { Description = "mosquitto's dynamic-security plugin (default: found under /usr/lib)." };
        var refusal = new Option<string>("--refusal-plugin") { Description = "The refusal counter plugin (default: " + BrokerConfig.RefusalCounterDefault + " when present; without it refused publishes are not counted)." };
        var refusalInterval = new Option<string>("--refusal-interval") { Description = "The refusal counter's reporting interval, 1..3600 seconds (default 10)." };
        var config = new Command("config", "Render the reference mosquitto configuration for a PKI folder.") { pki, output, port, bind, connections, plugin, refusal, refusalInterval };
        config.SetAction(result =>
        {
            string path = BrokerConfig.Write(new BrokerConfigRequest
            {
                Pki = new PkiLayout(result.GetValue(pki)!),
                OutputFolder = result.GetValue(output)!,
                Port = result.GetValue(port) is string p ? CliParsing.Between(p, "--port", 1, 65535) : 8883,
                Bind = result.GetValue(bind) is string b ? CliParsing.Address(b, "--bind") : System.Net.IPAddress.Loopback,
                MaxConnections = result.GetValue(connections) is string c ? CliParsing.Between(c, "--max-connections", 1, 10_000_000) : 100_000,
                DynamicSecurityPlugin = result.GetValue(plugin),
                RefusalCounterPlugin = result.GetValue(refusal),
                RefusalInterval = result.GetValue(refusalInterval) is string r ? CliParsing.Between(r, "--refusal-interval", 1, 3600) : 10,
            });
            console.Line("wrote " + path + "; run: mosquitto -c " + path);
            return 0;
        });
        var syncPki = new Option<string>("--pki") { Description = "PKI folder (its inventory and broker-admin identity).", Required = true };
        var target = new Option<string>("--broker") { Description = "The running broker, HOST:PORT (its certificate must name HOST).", Required = true };
        var sync = new Command("sync", "Give every active device of the inventory its client and role at the running broker; remove revoked ones.") { syncPki, target };
        sync.SetAction(result =>
        {
            var layout = new PkiLayout(result.GetValue(syncPki)!);
            layout.RequireExisting();
            var (host, number) = CliParsing.HostPort(result.GetValue(target)!, "--broker");
            using var admin = DynamicSecurityAdmin.For(layout, host, number);
            BrokerSyncResult done = admin.SyncAsync(Inventory.Load(layout.Inventory)).GetAwaiter().GetResult();
            if (done.Status != BrokerAccessStatus.Done)
            {
                throw new ToolException("broker sync failed (" + done.Status + "): " + done.Detail);
            }

            console.Line("broker " + host + ":" + number + ": " + done.Registered.Count + " device(s) registered, " + done.Removed.Count + " removed");
            return 0;
        });
        var broker = new Command("broker", "Reference broker (mosquitto 2.x) configuration.");
        broker.Subcommands.Add(config);
        broker.Subcommands.Add(sync);
        return broker;
    }
}
