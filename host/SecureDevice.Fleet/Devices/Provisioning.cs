using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SecureDevice.Core.Bundle;
using SecureDevice.Tool.Cli;
using SecureDevice.Tool.Files;

namespace SecureDevice.Tool.Pki;

/// <summary>Device-side settings written to the device's config file (deployed by nanoff --filedeployment).</summary>
public sealed record DeviceSettings(string BrokerHost, int BrokerPort, string TopicPrefix, int TelemetryIntervalSeconds, int KeepAliveSeconds, string Product, string Hardware);

/// <summary>What <c>securedevice provision</c> produced.</summary>
public sealed record ProvisionResult(string Id, string Serial, string Sha256, DateTimeOffset NotAfter, string[] Files);

/// <summary>
/// Issues a device identity and writes everything nanoff needs to put it on a board (docs in certs/README.md):
/// ID.pem (certificate + device CA), ID.key.pem (0600), ID.network.json (0600: key and Wi-Fi password, for
/// --networkdeployment), ID.config.json (the device config) and ID.files.json (for --filedeployment).
/// </summary>
public static class Provisioning
{
    /// <summary>Where the device reads its config on the ESP32's internal drive.</summary>
    public const string DeviceConfigPath = "I:\\securedevice\\config.json";

    /// <summary>Where the device reads the CA that signs the broker's and the update server's certificates.</summary>
    public const string DeviceCaPath = "I:\\securedevice\\ca.pem";

    /// <summary>Slot A on the device, where a factory application bundle is deployed.</summary>
    public const string DeviceSlotA = "I:\\securedevice\\app\\a\\";

    /// <summary>Identities that are not devices.</summary>
    public static readonly string[] ReservedIds = { "service", "operator" };

    public static ProvisionResult Provision(PkiLayout pki, string id, string outFolder, DeviceSettings settings, string? wifiSsid, string? wifiPassword,
        string? serialPort, int validDays, DateTimeOffset now, string? appBundle = null)
    {
        IReadOnlyList<string> appFiles = appBundle == null ? Array.Empty<string>() : FactoryBundleFiles(appBundle);
        if (!SafeName.IsDeviceId(id))
        {
            throw new ToolException("device id must be 1-64 of [A-Za-z0-9_-] (it becomes an MQTT topic level): '" + id + "'");
        }

        if (Array.Exists(ReservedIds, r => string.Equals(r, id, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ToolException("device id '" + id + "' is reserved");
        }

        if (validDays < 1 || validDays > 3650)
        {
            throw new ToolException("--days must be 1..3650");
        }

        if (!Directory.Exists(outFolder))
        {
            Directory.CreateDirectory(outFolder);
        }

        using FileStream lockFile = PkiLock.Acquire(pki);
        Inventory inventory = Inventory.Load(pki.Inventory);
        if (inventory.Find(id) is InventoryEntry existing)
        {
            throw new ToolException("device " + id + " is already in the inventory (" + existing.Status + "); use another id");
        }

        string certPath = Path.Combine(outFolder, id + ".pem");
        string keyPath = Path.Combine(outFolder, id + ".key.pem");
        string networkPath = Path.Combine(outFolder, id + ".network.json");
        string configPath = Path.Combine(outFolder, id + ".config.json");
        string filesPath = Path.Combine(outFolder, id + ".files.json");
        string[] outputs = { certPath, keyPath, networkPath, configPath, filesPath };
        foreach (string path in outputs)
        {
            SafeFile.RefuseExisting(path);
        }

        using IssuedCertificate deviceCa = CertificateAuthority.Load(pki.DeviceCaCertificate, pki.DeviceCaKey);
        string rootPem = File.ReadAllText(pki.RootCertificate);
        using IssuedCertificate device = CertificateAuthority.CreateClient(deviceCa, id, now.AddMinutes(-5), now.AddDays(validDays));
        string chainPem = device.CertificatePem + deviceCa.CertificatePem;
        var written = new System.Collections.Generic.List<string>();
        try
        {
            Write(certPath, chainPem, SafeFile.PublicMode, written);
            Write(keyPath, device.KeyPem, SafeFile.PrivateMode, written);
            Write(configPath, ConfigJson(id, settings, device.Certificate.NotAfter), SafeFile.PublicMode, written);
            Write(networkPath, NetworkJson(chainPem, device.KeyPem, rootPem, wifiSsid, wifiPassword, serialPort), SafeFile.PrivateMode, written);
            Write(filesPath, FilesJson(Path.GetFullPath(configPath), Path.GetFullPath(pki.RootCertificate), appFiles, serialPort), SafeFile.PublicMode, written);

            var entry = new InventoryEntry
            {
                Id = id,
                Serial = device.Certificate.SerialNumber,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(device.Certificate.RawData)),
                NotAfter = device.Certificate.NotAfter.ToUniversalTime(),
                Provisioned = now,
                Status = "active",
            };
            inventory.Devices.Add(entry);
            inventory.Save(pki.Inventory);
            return new ProvisionResult(id, entry.Serial, entry.Sha256, entry.NotAfter, outputs);
        }
        catch
        {
            // Nothing half-done: files written for this device go again if any later step failed.
            foreach (string path in written)
            {
                File.Delete(path);
            }

            throw;
        }
    }

    private static void Write(string path, string content, UnixFileMode mode, System.Collections.Generic.List<string> written)
    {
        SafeFile.WriteNew(path, Encoding.UTF8.GetBytes(content), mode);
        written.Add(path);
    }

    /// <summary>The device config file (parsed on the device by the core's DeviceConfigParser).</summary>
    public static string ConfigJson(string id, DeviceSettings settings, DateTime certificateNotAfter)
    {
        var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("format", 1);
            json.WriteString("deviceId", id);
            json.WriteString("product", settings.Product);
            json.WriteString("hardware", settings.Hardware);
            json.WriteStartObject("broker");
            json.WriteString("host", settings.BrokerHost);
            json.WriteNumber("port", settings.BrokerPort);
            json.WriteEndObject();
            json.WriteString("topicPrefix", settings.TopicPrefix);
            json.WriteNumber("telemetryIntervalS", settings.TelemetryIntervalSeconds);
            json.WriteNumber("keepAliveS", settings.KeepAliveSeconds);
            json.WriteString("telemetryFormat", "cbor");
            json.WriteString("certificateNotAfter", certificateNotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    // nanoff reads DeviceCertificates/CACertificates as base64 of the file bytes. The firmware parses the device blob as
    // both certificate and private key, and mbedTLS parses PEM only when the buffer ends with a NUL byte (nanoff's own
    // attempt to add it does not take effect), so each blob carries the trailing 0x00 itself.
    private static string NetworkJson(string chainPem, string keyPem, string rootPem, string? ssid, string? password, string? serialPort)
    {
        var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            if (serialPort != null)
            {
                json.WriteString("SerialPort", serialPort);
            }

            if (ssid != null)
            {
                json.WriteStartObject("WirelessClient");
                json.WriteString("Ssid", ssid);
                json.WriteString("Password", password ?? string.Empty);
                json.WriteString("Authentication", "WPA2");
                json.WriteString("Encryption", "WPA2");
                json.WriteString("ConfigurationOption", "AutoConnect");
                json.WriteBoolean("DhcpEnabled", true);
                json.WriteBoolean("AutomaticDNS", true);
                json.WriteEndObject();
            }

            json.WriteString("DeviceCertificates", Convert.ToBase64String(NulTerminated(chainPem + keyPem)));
            json.WriteString("CACertificates", Convert.ToBase64String(NulTerminated(rootPem)));
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    // The files of a factory bundle to deploy into slot A, after checking that every payload file matches the manifest
    // (the signature chain is the loader's to check; 'securedevice verify' checks it on the host).
    private static IReadOnlyList<string> FactoryBundleFiles(string folder)
    {
        string manifestPath = Path.Combine(folder, SecureDevice.Tool.Signing.BundleLayout.Manifest);
        byte[] manifestBytes = SafeFile.ReadAll(manifestPath, ManifestParser.MaxManifestBytes, "manifest");
        var parser = new ManifestParser();
        if (parser.TryParse(manifestBytes, 0, manifestBytes.Length, out Manifest? manifest) is var status && status != DocumentStatus.Valid)
        {
            throw new ToolException(manifestPath + ": " + parser.Describe(status));
        }

        var files = new List<string> { manifestPath, Path.Combine(folder, SecureDevice.Tool.Signing.BundleLayout.Signature), Path.Combine(folder, SecureDevice.Tool.Signing.BundleLayout.Delegation) };
        var check = new PayloadCheck();
        for (int i = 0; i < manifest!.FileCount; i++)
        {
            BundleFile entry = manifest.Files[i];
            string path = Path.Combine(folder, entry.Name);
            byte[] content = SafeFile.ReadAll(path, Manifest.MaxFileSize, "payload file");
            check.Begin(entry);
            check.Append(content, 0, content.Length);
            if (check.Finish() != BundleStatus.Verified)
            {
                throw new ToolException(path + " does not match its manifest entry (size or SHA-256)");
            }

            files.Add(path);
        }

        foreach (string document in files.GetRange(0, 3))
        {
            if (!File.Exists(document))
            {
                throw new ToolException("bundle file missing: " + document);
            }
        }

        return files.ConvertAll(Path.GetFullPath);
    }

    private static string FilesJson(string configSource, string caSource, IReadOnlyList<string> appFiles, string? serialPort)
    {
        var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            if (serialPort != null)
            {
                json.WriteString("SerialPort", serialPort);
            }

            json.WriteStartArray("Files");
            json.WriteStartObject();
            json.WriteString("DestinationFilePath", DeviceConfigPath);
            json.WriteString("SourceFilePath", configSource);
            json.WriteEndObject();
            json.WriteStartObject();
            json.WriteString("DestinationFilePath", DeviceCaPath);
            json.WriteString("SourceFilePath", caSource);
            json.WriteEndObject();
            foreach (string file in appFiles)
            {
                json.WriteStartObject();
                json.WriteString("DestinationFilePath", DeviceSlotA + Path.GetFileName(file));
                json.WriteString("SourceFilePath", file);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static byte[] NulTerminated(string pem)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(pem);
        Array.Resize(ref bytes, bytes.Length + 1);
        return bytes;
    }
}
