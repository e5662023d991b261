using System;
using System.CommandLine;
using System.Globalization;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Pki;
using SecureDevice.Tool.Cli;

namespace SecureDevice.Tool.Commands;

/// <summary><c>securedevice provision</c>: option parsing over <see cref="Provisioning.Provision"/>.</summary>
public static class ProvisionCommand
{
    public static Command Create(ToolConsole console)
    {
        var id = new Argument<string>("device-id") { Description = "Device id: 1-64 of [A-Za-z0-9_-]." };
        var pki = new Option<string>("--pki") { Description = "PKI folder.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the device's files (created 0700 when missing).", Required = true };
        var owner = new Option<string>("--owner") { Description = "Customer who owns the device (1-64 of [A-Za-z0-9._@-]), kept in the inventory." };
        var ssid = new Option<string>("--wifi-ssid") { Description = "Wi-Fi network; the password comes from $SECUREDEVICE_WIFI_PASSWORD or a prompt." };
        var host = new Option<string>("--broker-host") { Description = "Broker DNS name or IPv4 address the device connects to (default localhost)." };
        var port = new Option<string>("--broker-port") { Description = "Broker TLS port, 1..65535 (default 8883)." };
        var product = new Option<string>("--product") { Description = "Product id (default sensor)." };
        var hardware = new Option<string>("--hardware") { Description = "Hardware model (default esp32)." };
        var interval = new Option<string>("--telemetry-interval-s") { Description = "Health report interval, 60..86400 (default 300)." };
        var days = new Option<string>("--days") { Description = "Certificate validity in days, 1..3650 (default 730)." };
        var serial = new Option<string>("--serial-port") { Description = "Serial port to put into the nanoff JSON files." };
        var app = new Option<string>("--app") { Description = "Signed bundle folder to deploy as the factory application (slot A)." };
        var command = new Command("provision", "Issue a device certificate and write the nanoff deployment files.")
        {
            id, pki, output, owner, ssid, host, port, product, hardware, interval, days, serial, app,
        };
        command.SetAction(result =>
        {
            DeviceSettings defaults = DeviceSettings.For("localhost");
            ProvisionResult done = Provisioning.Provision(new ProvisionRequest
            {
                Pki = new PkiLayout(result.GetValue(pki)!),
                DeviceId = result.GetValue(id)!,
                OutputFolder = result.GetValue(output)!,
                Owner = result.GetValue(owner),
                Settings = defaults with
                {
                    BrokerHost = result.GetValue(host) ?? defaults.BrokerHost,
                    BrokerPort = result.GetValue(port) is string p ? (int)CliParsing.Count(p, "--broker-port", int.MaxValue) : defaults.BrokerPort,
                    TelemetryIntervalSeconds = result.GetValue(interval) is string i ? (int)CliParsing.Count(i, "--telemetry-interval-s", int.MaxValue) : defaults.TelemetryIntervalSeconds,
                    Product = result.GetValue(product) ?? defaults.Product,
                    Hardware = result.GetValue(hardware) ?? defaults.Hardware,
                },
                Wifi = result.GetValue(ssid) is string network ? new WifiCredentials(network, WifiPassword.Read(console)) : null,
                SerialPort = result.GetValue(serial),
                ValidDays = result.GetValue(days) is string d ? (int)CliParsing.Count(d, "--days", int.MaxValue) : 730,
                Now = console.Clock(),
                FactoryBundle = result.GetValue(app),
            });
            console.Line("provisioned " + done.Device.Id + ": serial " + done.Device.Serial + ", sha256 " + done.Device.Sha256 + ", expires "
                + done.Device.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + (done.Device.Owner != null ? ", owner " + done.Device.Owner : string.Empty));
            foreach (string file in done.Files.All)
            {
                console.Line("  " + file);
            }

            console.Line("flash: nanoff --filedeployment " + done.Files.Deployment + " --networkdeployment " + done.Files.Network + " --serialport <port>");
            return 0;
        });
        return command;
    }
}
