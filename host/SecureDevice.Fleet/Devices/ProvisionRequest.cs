using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using SecureDevice.Core.Bundle;
using SecureDevice.Fleet.Pki;
using SecureDevice.Core.Text;

namespace SecureDevice.Fleet.Devices;

/// <summary>Device-side settings written to the device's config.json (checked by the device's own parser before use).</summary>
/// <param name="BrokerHost">DNS name or dotted IPv4 address the broker certificate is valid for.</param>
/// <param name="BrokerPort">TLS port, 1..65535.</param>
/// <param name="TopicPrefix">First topic level (the broker ACL's), normally "devices".</param>
/// <param name="TelemetryIntervalSeconds">Health report interval, 60..86400 s.</param>
/// <param name="KeepAliveSeconds">MQTT keep-alive, 10..600 s.</param>
/// <param name="Product">Product id compared with update manifests.</param>
/// <param name="Hardware">Hardware model compared with update manifests.</param>
public sealed record DeviceSettings(string BrokerHost, int BrokerPort, string TopicPrefix, int TelemetryIntervalSeconds, int KeepAliveSeconds, string Product, string Hardware)
{
    public const string DefaultTopicPrefix = "devices";
    public const int DefaultPort = 8883;
    public const int DefaultTelemetryIntervalSeconds = 300;
    public const int DefaultKeepAliveSeconds = 60;

    /// <summary>The defaults for a broker at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static DeviceSettings For(string host, int port = DefaultPort) =>
        new(host, port, DefaultTopicPrefix, DefaultTelemetryIntervalSeconds, DefaultKeepAliveSeconds, "sensor", "esp32");
}

/// <summary>The Wi-Fi network written into the nanoff network deployment file.</summary>
/// <param name="Ssid">1-32 bytes of UTF-8, no control characters.</param>
/// <param name="Password">WPA2: 8-63 printable ASCII characters or 64 hex digits.</param>
public sealed record WifiCredentials(string Ssid, string Password);

/// <summary>Everything <see cref="Provisioning.Provision"/> needs.</summary>
public sealed class ProvisionRequest
{
    public const int MaxValidDays = 3650;

    public required PkiLayout Pki { get; init; }

    /// <summary>1-64 of [A-Za-z0-9_-]; "service", "operator" and "broker-admin" are reserved.</summary>
    public required string DeviceId { get; init; }

    /// <summary>Folder for the device's files (created 0700 when missing).</summary>
    public required string OutputFolder { get; init; }

    public required DeviceSettings Settings { get; init; }

    /// <summary>The customer who owns the device (<see cref="Inventory.IsOwner"/>), or null.</summary>
    public string? Owner { get; init; }

    public WifiCredentials? Wifi { get; init; }

    /// <summary>Serial port written into the nanoff files (e.g. COM5, /dev/ttyUSB0), or null.</summary>
    public string? SerialPort { get; init; }

    /// <summary>Certificate validity, 1..3650 days (capped by the device CA's own expiry).</summary>
    public int ValidDays { get; init; } = 730;

    public required DateTimeOffset Now { get; init; }

    /// <summary>A signed bundle folder deployed into slot A as the factory application, or null.</summary>
    public string? FactoryBundle { get; init; }

    /// <summary>Checks everything that is not the config (the device parser checks that).</summary>
    /// <exception cref="FleetException">The first value that is not acceptable.</exception>
    public void Validate()
    {
        if (!SafeName.IsDeviceId(DeviceId))
        {
            throw Invalid("device id must be 1-64 of [A-Za-z0-9_-] (it becomes an MQTT topic level): '" + DeviceId + "'");
        }

        if (Array.Exists(Provisioning.ReservedIds, r => string.Equals(r, DeviceId, StringComparison.OrdinalIgnoreCase)))
        {
            throw Invalid("device id '" + DeviceId + "' is reserved");
        }

        if (Owner != null && !Inventory.IsOwner(Owner))
        {
            throw Invalid("owner must be 1-64 of [A-Za-z0-9._@-] starting with a letter or digit: '" + Owner + "'");
        }

        if (ValidDays < 1 || ValidDays > MaxValidDays)
        {
            throw Invalid("certificate validity must be 1.." + MaxValidDays + " days");
        }

        if (Wifi != null)
        {
            int ssidBytes = Encoding.UTF8.GetByteCount(Wifi.Ssid);
            if (ssidBytes < 1 || ssidBytes > 32 || !SecureDevice.Fleet.Text.Printable.IsSafe(Wifi.Ssid))
            {
                throw Invalid("Wi-Fi SSID must be 1-32 bytes without control characters");
            }

            bool passphrase = Wifi.Password.Length is >= 8 and <= 63 && Wifi.Password.All(c => c >= 0x20 && c < 0x7F);
            bool hexKey = Wifi.Password.Length == 64 && Wifi.Password.All(char.IsAsciiHexDigit);
            if (!passphrase && !hexKey)
            {
                throw Invalid("Wi-Fi password must be 8-63 printable ASCII characters or 64 hex digits (WPA2)");
            }
        }

        if (SerialPort != null && (SerialPort.Length is < 1 or > 64 || !SerialPort.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or ':')))
        {
            throw Invalid("serial port must be 1-64 of [A-Za-z0-9/._:-] (COM5, /dev/ttyUSB0): '" + SerialPort + "'");
        }
    }

    private static FleetException Invalid(string message) => new(FleetError.InvalidArgument, message);
}

/// <summary>The files provisioning writes for one device, all in one folder.</summary>
public sealed class ProvisionedFiles
{
    public ProvisionedFiles(string folder, string id)
    {
        Certificate = Path.Combine(folder, id + ".pem");
        Key = Path.Combine(folder, id + ".key.pem");
        Network = Path.Combine(folder, id + ".network.json");
        Config = Path.Combine(folder, id + ".config.json");
        Deployment = Path.Combine(folder, id + ".files.json");
    }

    /// <summary>ID.pem: the device certificate and the device CA.</summary>
    public string Certificate { get; }

    /// <summary>ID.key.pem (0600).</summary>
    public string Key { get; }

    /// <summary>ID.network.json (0600) for nanoff --networkdeployment.</summary>
    public string Network { get; }

    /// <summary>ID.config.json, deployed to I:\securedevice\config.json.</summary>
    public string Config { get; }

    /// <summary>ID.files.json for nanoff --filedeployment.</summary>
    public string Deployment { get; }

    public IReadOnlyList<string> All => new[] { Certificate, Key, Network, Config, Deployment };
}

/// <summary>What <see cref="Provisioning.Provision"/> produced: the inventory entry and the files.</summary>
public sealed record ProvisionResult(InventoryEntry Device, ProvisionedFiles Files, IReadOnlyList<string> FactoryFiles);
