using System;
using System.CommandLine;
using System.Linq;
using System.Net;
using SecureDevice.Tool.Cli;
using SecureDevice.Tool.Pki;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice pki init|crl</c>, <c>provision</c>, <c>revoke</c> and <c>broker config</c>.</summary>
public static class PkiCommands
{
    public static Command CreatePki(ToolConsole console)
    {
        var pki = new Command("pki", "Development PKI: root CA, device-issuing CA, broker and service certificates, CRL.");
        var output = new Option<string>("--out") { Description = "Folder to create (must not exist or be empty).", Required = true };
        var names = new Option<string[]>("--broker-name") { Description = "DNS name for the broker certificate; repeatable (default localhost)." };
        var addresses = new Option<string[]>("--broker-ip") { Description = "IP address for the broker certificate; repeatable (default 127.0.0.1)." };
        var init = new Command("init", "Create the CA hierarchy, broker and service certificates and an empty CRL.") { output, names, addresses };
        init.SetAction(result =>
        {
            string[] dns = result.GetValue(names) is { Length: > 0 } given ? given : new[] { "localhost" };
            foreach (string name in dns)
            {
                if (Uri.CheckHostName(name) != UriHostNameType.Dns)
                {
                    throw new ToolException("--broker-name is not a DNS name: '" + name + "'");
                }
            }

            var ips = (result.GetValue(addresses) is { Length: > 0 } a ? a : new[] { "127.0.0.1" })
                .Select(ip => IPAddress.TryParse(ip, out IPAddress? parsed) ? parsed : throw new ToolException("--broker-ip is not an IP address: '" + ip + "'"))
                .ToArray();
            string folder = result.GetValue(output)!;
            Pki.Pki.Init(folder, dns, ips, console.Clock());
            console.Out.WriteLine("created PKI in " + System.IO.Path.GetFullPath(folder) + ": root-ca, device-ca, broker (" + string.Join(", ", dns.Concat(ips.Select(i => i.ToString())))
                + "), service identity, empty CRL; private keys are 0600");
            return 0;
        });
        pki.Subcommands.Add(init);

        var pkiFolder = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var crl = new Command("crl", "Re-issue crl.pem from the inventory (do it well before the current CRL expires).") { pkiFolder };
        crl.SetAction(result =>
        {
            var layout = new PkiLayout(result.GetValue(pkiFolder)!);
            using var lockFile = PkiLock.Acquire(layout);
            long number = Pki.Pki.RegenerateCrl(layout, Inventory.Load(layout.Inventory), console.Clock());
            console.Out.WriteLine("wrote " + layout.Crl + " (CRL number " + number + "); reload the broker with SIGHUP");
            return 0;
        });
        pki.Subcommands.Add(crl);
        return pki;
    }

    public static Command CreateProvision(ToolConsole console)
    {
        var id = new Argument<string>("device-id") { Description = "Device id: 1-64 of [A-Za-z0-9_-]." };
        var pki = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the device's files.", Required = true };
        var ssid = new Option<string>("--wifi-ssid") { Description = "Wi-Fi network; the password comes from $SECUREDEVICE_WIFI_PASSWORD or a prompt." };
        var host = new Option<string>("--broker-host") { Description = "Broker host name the device connects to (default localhost)." };
        var port = new Option<string>("--broker-port") { Description = "Broker TLS port (default 8883)." };
        var product = new Option<string>("--product") { Description = "Product id (default sensor)." };
        var hardware = new Option<string>("--hardware") { Description = "Hardware model (default esp32)." };
        var interval = new Option<string>("--telemetry-interval-s") { Description = "Health report interval (default 300)." };
        var days = new Option<string>("--days") { Description = "Certificate validity in days (default 730)." };
        var serial = new Option<string>("--serial-port") { Description = "Serial port to put into the nanoff JSON files." };
        var app = new Option<string>("--app") { Description = "Signed bundle folder to deploy as the factory application (slot A)." };
        var command = new Command("provision", "Issue a device certificate and write the nanoff deployment files.")
        {
            id, pki, output, ssid, host, port, product, hardware, interval, days, serial, app,
        };
        command.SetAction(result =>
        {
            string? wifi = result.GetValue(ssid);
            string? password = wifi == null ? null : WifiPassword(console);
            var settings = new DeviceSettings(
                result.GetValue(host) ?? "localhost",
                result.GetValue(port) is string p ? (int)CliParsing.Count(p, "--broker-port", 65535) : 8883,
                "devices",
                result.GetValue(interval) is string i ? (int)CliParsing.Count(i, "--telemetry-interval-s", 86400) : 300,
                60,
                CliParsing.Identifier(result.GetValue(product) ?? "sensor", "--product"),
                CliParsing.Identifier(result.GetValue(hardware) ?? "esp32", "--hardware"));
            if (Uri.CheckHostName(settings.BrokerHost) == UriHostNameType.Unknown)
            {
                throw new ToolException("--broker-host is not a host name: '" + settings.BrokerHost + "'");
            }

            ProvisionResult done = Provisioning.Provision(new PkiLayout(result.GetValue(pki)!), result.GetValue(id)!, result.GetValue(output)!, settings,
                wifi, password, result.GetValue(serial), result.GetValue(days) is string d ? (int)CliParsing.Count(d, "--days", 3650) : 730, console.Clock(),
                result.GetValue(app));
            console.Out.WriteLine("provisioned " + done.Id + ": serial " + done.Serial + ", sha256 " + done.Sha256 + ", expires "
                + done.NotAfter.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            foreach (string file in done.Files)
            {
                console.Out.WriteLine("  " + file);
            }

            console.Out.WriteLine("flash: nanoff --filedeployment " + done.Files[4] + " --networkdeployment " + done.Files[2] + " --serialport <port>");
            return 0;
        });
        return command;
    }

    public static Command CreateRevoke(ToolConsole console)
    {
        var id = new Argument<string>("device-id") { Description = "Device to revoke." };
        var pki = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var command = new Command("revoke", "Mark a device revoked and regenerate the CRL (then reload the broker with SIGHUP).") { id, pki };
        command.SetAction(result =>
        {
            var layout = new PkiLayout(result.GetValue(pki)!);
            using var lockFile = PkiLock.Acquire(layout);
            Inventory inventory = Inventory.Load(layout.Inventory);
            string deviceId = result.GetValue(id)!;
            InventoryEntry entry = inventory.Find(deviceId) ?? throw new ToolException("device " + deviceId + " is not in the inventory");
            if (entry.Status == "revoked")
            {
                console.Out.WriteLine(entry.Id + " was already revoked");
                return 0;
            }

            entry.Status = "revoked";
            entry.Revoked = console.Clock();
            long number = Pki.Pki.RegenerateCrl(layout, inventory, console.Clock());
            console.Out.WriteLine("revoked " + entry.Id + " (serial " + entry.Serial + "); CRL number " + number + " written to " + layout.Crl
                + "; reload the broker: kill -HUP <mosquitto pid>");
            return 0;
        });
        return command;
    }

    public static Command CreateBroker(ToolConsole console)
    {
        var pki = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for mosquitto.conf and acl.", Required = true };
        var port = new Option<string>("--port") { Description = "TLS port (default 8883)." };
        var bind = new Option<string>("--bind") { Description = "Address to listen on (default 127.0.0.1)." };
        var config = new Command("config", "Render the reference mosquitto configuration for a PKI folder.") { pki, output, port, bind };
        config.SetAction(result =>
        {
            string path = BrokerConfig.Write(new PkiLayout(result.GetValue(pki)!), result.GetValue(output)!,
                result.GetValue(port) is string p ? (int)CliParsing.Count(p, "--port", 65535) : 8883, result.GetValue(bind) ?? "127.0.0.1", "devices");
            console.Out.WriteLine("wrote " + path + "; run: mosquitto -c " + path);
            return 0;
        });
        var broker = new Command("broker", "Reference broker (mosquitto 2.x) configuration.");
        broker.Subcommands.Add(config);
        return broker;
    }

    private static string WifiPassword(ToolConsole console)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable("SECUREDEVICE_WIFI_PASSWORD");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (Console.IsInputRedirected)
        {
            throw new ToolException("set SECUREDEVICE_WIFI_PASSWORD (no terminal to prompt on)");
        }

        console.Error.Write("Wi-Fi password: ");
        var password = new System.Text.StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }

        console.Error.WriteLine();
        return password.ToString();
    }
}
