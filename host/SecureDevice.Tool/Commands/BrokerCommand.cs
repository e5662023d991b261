using System.CommandLine;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice broker config</c>: option parsing over <see cref="BrokerConfig.Write"/>.</summary>
public static class BrokerCommand
{
    public static Command Create(ToolConsole console)
    {
        var pki = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for mosquitto.conf and acl.", Required = true };
        var port = new Option<string>("--port") { Description = "TLS port (default 8883)." };
        var bind = new Option<string>("--bind") { Description = "IP address to listen on (default 127.0.0.1)." };
        var memory = new Option<string>("--memory-limit-mb") { Description = "Broker heap ceiling in MiB, 16..1048576 (default 512)." };
        var connections = new Option<string>("--max-connections") { Description = "Connections accepted, 1..10000000 (default 100000)." };
        var config = new Command("config", "Render the reference mosquitto configuration for a PKI folder.") { pki, output, port, bind, memory, connections };
        config.SetAction(result =>
        {
            string path = BrokerConfig.Write(new BrokerConfigRequest
            {
                Pki = new PkiLayout(result.GetValue(pki)!),
                OutputFolder = result.GetValue(output)!,
                Port = result.GetValue(port) is string p ? CliParsing.Between(p, "--port", 1, 65535) : 8883,
                Bind = result.GetValue(bind) is string b ? CliParsing.Address(b, "--bind") : System.Net.IPAddress.Loopback,
                MemoryLimitBytes = (result.GetValue(memory) is string m ? CliParsing.Between(m, "--memory-limit-mb", 16, 1024 * 1024) : 512) * 1024L * 1024,
                MaxConnections = result.GetValue(connections) is string c ? CliParsing.Between(c, "--max-connections", 1, 10_000_000) : 100_000,
            });
            console.Line("wrote " + path + "; run: mosquitto -c " + path);
            return 0;
        });
        var broker = new Command("broker", "Reference broker (mosquitto 2.x) configuration.");
        broker.Subcommands.Add(config);
        return broker;
    }
}
