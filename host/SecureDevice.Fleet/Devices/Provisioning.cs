using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Signing;
using SecureDevice.Core.Text;

namespace SecureDevice.Fleet.Devices;

/// <summary>
/// Issues a device identity and writes everything nanoff needs to put it on a board (certs/README.md): ID.pem
/// (certificate + device CA), ID.key.pem (0600), ID.network.json (0600: key and Wi-Fi password, for
/// --networkdeployment), ID.config.json (the device config) and ID.files.json (for --filedeployment).
/// <para>
/// Every input is checked before the PKI is touched: the generated config.json goes through the device's own
/// <see cref="DeviceConfigParser"/> (so the tool never writes a config the device refuses, and a refused one never burns
/// the id), the factory bundle's files are checked against its manifest under the safe-file rule, and the Wi-Fi and
/// serial-port strings are checked for what nanoff and the device can hold.
/// </para>
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
    public static readonly string[] ReservedIds = Broker.BrokerRights.FixedUsers;

    /// <summary>Provisions one device.</summary>
    /// <exception cref="FleetException">Any input the device or nanoff would not accept, an existing output, a used id, a PKI problem.</exception>
    public static ProvisionResult Provision(ProvisionRequest request)
    {
        string id = request.DeviceId;
        request.Validate();
        CheckConfig(id, request.Settings, request.Now.AddDays(request.ValidDays).UtcDateTime);
        IReadOnlyList<string> appFiles = request.FactoryBundle == null ? Array.Empty<string>() : FactoryBundleFiles(request.FactoryBundle);
        request.Pki.RequireExisting();
        string outFolder = Path.GetFullPath(request.OutputFolder);
        var files = new ProvisionedFiles(outFolder, id);
        foreach (string path in files.All)
        {
            AtomicFile.RefuseExisting(path);
        }

        using IDisposable lockFile = PkiLock.Acquire(request.Pki);
        Inventory inventory = Inventory.Load(request.Pki.Inventory);
        CrlPublisher.Reconcile(request.Pki, inventory, request.Now);
        if (inventory.Find(id) is InventoryEntry existing)
        {
            throw new FleetException(FleetError.AlreadyExists, "device " + id + " is already in the inventory (" + existing.Status.ToString().ToLowerInvariant() + "); use another id");
        }

        using IssuedCertificate deviceCa = CertificateAuthority.Load(request.Pki.DeviceCaCertificate, request.Pki.DeviceCaKey);
        string rootPem;
        using (var root = CertificateAuthority.LoadCertificate(request.Pki.RootCertificate))
        {
            rootPem = root.ExportCertificatePem() + "\n";
        }
        using IssuedCertificate device = CertificateAuthority.CreateClient(deviceCa, id, request.Now.AddMinutes(-5), request.Now.AddDays(request.ValidDays));
        string config = CheckConfig(id, request.Settings, device.Certificate.NotAfter);
        string chainPem = device.CertificatePem + deviceCa.CertificatePem;
        AtomicFile.EnsureFolder(outFolder, AtomicFile.PrivateFolderMode);
        var written = new List<string>();
        try
        {
            Write(files.Certificate, chainPem, AtomicFile.PublicMode, written);
            Write(files.Key, device.KeyPem, AtomicFile.PrivateMode, written);
            Write(files.Config, config, AtomicFile.PublicMode, written);
            Write(files.Network, NetworkJson(chainPem, device.KeyPem, rootPem, request.Wifi, request.SerialPort), AtomicFile.PrivateMode, written);
            Write(files.Deployment, FilesJson(files.Config, request.Pki.RootCertificate, appFiles, request.SerialPort), AtomicFile.PublicMode, written);

            var entry = new InventoryEntry
            {
                Id = id,
                Owner = request.Owner,
                Product = Inventory.IsProduct(request.Settings.Product) ? request.Settings.Product : null,
                Serial = device.Certificate.SerialNumber,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(device.Certificate.RawData)),
                NotAfter = device.Certificate.NotAfter.ToUniversalTime(),
                Provisioned = request.Now,
                Status = DeviceStatus.Active,
            };
            inventory.Devices.Add(entry);
            inventory.Save(request.Pki.Inventory);
            return new ProvisionResult(entry, files, appFiles);
        }
        catch
        {
            // Nothing half-done: files written for this device go again if any later step failed.
            foreach (string path in written)
            {
                AtomicFile.DeleteQuietly(path);
            }

            throw;
        }
    }

    /// <summary>
    /// The config.json for <paramref name="id"/> with <paramref name="settings"/>, after the device's own parser accepted
    /// it and read back exactly these values.
    /// </summary>
    /// <exception cref="FleetException">The device would refuse the config (the message names the field).</exception>
    public static string CheckConfig(string id, DeviceSettings settings, DateTime certificateNotAfter)
    {
        string json;
        try
        {
            json = ConfigJson(id, settings, certificateNotAfter);
        }
        catch (ArgumentException)
        {
            // Utf8JsonWriter refuses text that is not valid UTF-16 (a lone surrogate): not a config any device could read.
            throw new FleetException(FleetError.InvalidArgument, "the device would refuse this config: a setting is not valid Unicode text");
        }

        byte[] bytes = Encoding.UTF8.GetBytes(json);
        var parser = new DeviceConfigParser();
        DocumentStatus status = parser.TryParse(bytes, 0, bytes.Length, out DeviceConfig? parsed);
        if (status != DocumentStatus.Valid || parsed == null)
        {
            throw new FleetException(FleetError.InvalidArgument, "the device would refuse this config: " + parser.Reader.Describe("config.json", status) + DescribeField(parser.Reader.ErrorField, settings));
        }

        if (parsed.DeviceId != id || parsed.BrokerHost != settings.BrokerHost || parsed.BrokerPort != settings.BrokerPort || parsed.Product != settings.Product
            || parsed.Hardware != settings.Hardware || parsed.TopicPrefix != settings.TopicPrefix || parsed.TelemetryIntervalSeconds != settings.TelemetryIntervalSeconds
            || parsed.KeepAliveSeconds != settings.KeepAliveSeconds)
        {
            throw new InvalidOperationException("config.json did not read back as written");
        }

        return json;
    }

    private static string DescribeField(string? field, DeviceSettings settings) => field switch
    {
        "broker.host" => " (a DNS name of [A-Za-z0-9-] labels or a dotted IPv4 address; got '" + settings.BrokerHost + "')",
        "broker.port" => " (1..65535; got " + settings.BrokerPort + ")",
        "telemetryIntervalS" => " (60..86400 s; got " + settings.TelemetryIntervalSeconds + ")",
        "keepAliveS" => " (10..600 s; got " + settings.KeepAliveSeconds + ")",
        _ => string.Empty,
    };

    private static void Write(string path, string content, UnixFileMode mode, List<string> written)
    {
        AtomicFile.WriteNew(path, Encoding.UTF8.GetBytes(content), mode);
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
    private static string NetworkJson(string chainPem, string keyPem, string rootPem, WifiCredentials? wifi, string? serialPort)
    {
        var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            if (serialPort != null)
            {
                json.WriteString("SerialPort", serialPort);
            }

            if (wifi != null)
            {
                json.WriteStartObject("WirelessClient");
                json.WriteString("Ssid", wifi.Ssid);
                json.WriteString("Password", wifi.Password);
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

    // The files of a factory bundle to deploy into slot A, after checking, under the safe-file rule for contained files,
    // that every payload file matches the manifest (the signature chain is the loader's to check; 'securedevice verify'
    // checks it on the host).
    private static IReadOnlyList<string> FactoryBundleFiles(string folder)
    {
        SafeFileReader.RequireReadableFolder(folder, "bundle folder");
        var documents = new[] { BundleLayout.Manifest, BundleLayout.Signature, BundleLayout.Delegation };
        byte[]?[] read =
        {
            BundleChecker.ReadDocument(folder, BundleLayout.Manifest, ManifestParser.MaxManifestBytes),
            BundleChecker.ReadDocument(folder, BundleLayout.Signature, BundleChecker.MaxSignatureFileBytes),
            BundleChecker.ReadDocument(folder, BundleLayout.Delegation, DelegationParser.MaxFileBytes),
        };
        for (int i = 0; i < documents.Length; i++)
        {
            if (read[i] == null)
            {
                throw new FleetException(FleetError.NotFound, "bundle file missing: " + Path.Combine(folder, documents[i]));
            }
        }

        var parser = new ManifestParser();
        if (parser.TryParse(read[0]!, 0, read[0]!.Length, out Manifest? manifest) is var status && status != DocumentStatus.Valid)
        {
            throw new FleetException(FleetError.InvalidDocument, Path.Combine(folder, BundleLayout.Manifest) + ": " + parser.Describe(status));
        }

        if (BundleChecker.CheckPayloads(folder, manifest!) is BundleCheckResult mismatch)
        {
            throw new FleetException(FleetError.InvalidDocument, "factory bundle " + folder + ": " + mismatch.Detail + " (the file does not match its manifest entry)");
        }

        var files = documents.Select(d => Path.Combine(folder, d)).ToList();
        for (int i = 0; i < manifest!.FileCount; i++)
        {
            files.Add(Path.Combine(folder, manifest.Files[i].Name));
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
