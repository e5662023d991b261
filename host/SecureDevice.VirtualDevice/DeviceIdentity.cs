using System;
using System.IO;
using System.Text;
using System.Security.Cryptography;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Pki;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.VirtualDevice.Transport;
using SecureDevice.Core.Text;

namespace SecureDevice.VirtualDevice;

/// <summary>
/// A provisioned device as the provisioning tool wrote it: ID.pem (certificate + device CA), ID.key.pem, ID.config.json,
/// plus the broker trust anchor (the PKI's root-ca.pem, what nanoff puts into CACertificates on a board).
/// </summary>
public sealed class DeviceIdentity
{
    private DeviceIdentity(string id, DeviceConfig config, X509Certificate2 certificate, X509Certificate2Collection chain, X509Certificate2 anchor)
    {
        Id = id;
        Config = config;
        Certificate = certificate;
        Chain = chain;
        TrustAnchor = anchor;
    }

    public string Id { get; }

    public DeviceConfig Config { get; }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection Chain { get; }

    public X509Certificate2 TrustAnchor { get; }

    /// <summary>Loads device <paramref name="id"/> from <paramref name="folder"/>, its config parsed by the core's parser.</summary>
    /// <exception cref="InvalidDataException">A file is missing or the config does not parse.</exception>
    public static DeviceIdentity Load(string folder, string id, string trustAnchorPath)
    {
        string certificatePath = Path.Combine(folder, id + ".pem");
        string keyPath = Path.Combine(folder, id + ".key.pem");
        string configPath = Path.Combine(folder, id + ".config.json");
        // Read once each under the fleet's safe-file rule (a FIFO, a device or a huge file is refused, never waited on).
        byte[] configBytes = Read(configPath, DeviceConfigParser.MaxBytes);
        string certificateText = Encoding.ASCII.GetString(Read(certificatePath, CertificateAuthority.MaxPemBytes));
        string keyText = Encoding.ASCII.GetString(Read(keyPath, CertificateAuthority.MaxPemBytes));
        string anchorText = Encoding.ASCII.GetString(Read(trustAnchorPath, CertificateAuthority.MaxPemBytes));
        var parser = new DeviceConfigParser();
        DocumentStatus status = parser.TryParse(configBytes, 0, configBytes.Length, out DeviceConfig? config);
        if (status != DocumentStatus.Valid || config == null)
        {
            throw new InvalidDataException(configPath + ": " + parser.Reader.Describe("config", status));
        }

        X509Certificate2 leaf;
        X509Certificate2 anchor;
        var chain = new X509Certificate2Collection();
        try
        {
            var all = new X509Certificate2Collection();
            all.ImportFromPem(certificateText);
            for (int i = 1; i < all.Count; i++)
            {
                chain.Add(all[i]);
            }

            leaf = X509Certificate2.CreateFromPem(certificateText, keyText);
            anchor = X509Certificate2.CreateFromPem(anchorText);
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException)
        {
            throw new InvalidDataException("device " + id + ": its certificate, key or trust anchor in " + folder + " is malformed or they do not match", error);
        }

        return new DeviceIdentity(id, config, leaf, chain, anchor);
    }

    private static byte[] Read(string path, long limit)
    {
        try
        {
            return SafeFileReader.Read(path, limit, "device file");
        }
        catch (FleetException error)
        {
            throw new InvalidDataException(error.Message, error);
        }
    }

    /// <summary>The TLS endpoint from the config, optionally connecting to another address than the host name (tests).</summary>
    public TlsEndpoint Endpoint(string? connectAddress = null, string? hostOverride = null) => new()
    {
        Host = hostOverride ?? Config.BrokerHost,
        Port = Config.BrokerPort,
        ConnectAddress = connectAddress,
        ClientCertificate = Certificate,
        ClientChain = Chain,
        TrustAnchor = TrustAnchor,
        Timeout = TimeSpan.FromSeconds(5),
    };
}
