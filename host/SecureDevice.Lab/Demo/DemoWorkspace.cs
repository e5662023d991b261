using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Core.Update;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Signing;
using SecureDevice.Fleet.Updates;
using SecureDevice.Lab.Broker;
using SecureDevice.Lab.Signing;
using SecureDevice.VirtualDevice;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// Everything the demo stands on, made fresh in one folder: the fleet PKI (files, keys 0600), the reference mosquitto
/// configuration running on a free 127.0.0.1 port, two update-signing keys under one root (held in memory), the update
/// server over HTTPS with a certificate from the fleet root, and provisioned device identities. The broker loads the
/// refusal counter plugin (host/broker/refusal-counter), reporting every <see cref="RefusalInterval"/> s, so step 8 can
/// check what the broker's ACL refused of a device. Disposing stops the processes and deletes the folder unless it was
/// given with --keep.
/// </summary>
public sealed class DemoWorkspace : IDisposable
{
    private readonly bool _keep;

    private DemoWorkspace(string folder, bool keep)
    {
        Folder = folder;
        _keep = keep;
        Pki = new PkiLayout(Path.Combine(folder, "pki"));
        Bundles = Path.Combine(folder, "bundles");
        Devices = Path.Combine(folder, "devices");
    }

    public string Folder { get; }

    public PkiLayout Pki { get; }

    public string Bundles { get; }

    public string Devices { get; }

    /// <summary>The fleet service instance of the whole demo, started in step 1 (its own identity with the service role at the broker, and its command identity with the commands role).</summary>
    public const string ServiceInstance = "service.demo";

    /// <summary>That service's data folder (its SQLite database, 0700); with --keep the console is served from it.</summary>
    public string ServiceData => Path.Combine(Folder, "service-data");

    /// <summary>The update-signing root's public key (PEM): what the devices trust for bundles.</summary>
    public string RootPublicKey => Path.Combine(Folder, "keys", "root.pub.pem");

    public int BrokerPort { get; private set; }

    /// <summary>
    /// The refusal counter's reporting interval in the demo, seconds: 1 instead of the default 10, so the miner's
    /// refused publishes of step 8 are stored within a second or two, not after a wait of up to 10 s.
    /// </summary>
    public const int RefusalInterval = 1;

    public MosquittoProcess Broker { get; private set; } = null!;

    public UpdateServer Updates { get; private set; } = null!;

    /// <summary>The fleet root CA: devices pin it for the broker and the update server.</summary>
    public X509Certificate2 RootCa { get; private set; } = null!;

    /// <summary>The current release signing key ("release-2026").</summary>
    public SigningKit Release { get; private set; } = null!;

    /// <summary>An older signing key ("release-2025") that signed the factory image and that 1.1.0 revokes.</summary>
    public SigningKit Previous { get; private set; } = null!;

    /// <param name="keep">The folder to keep everything in, or null for a temporary one deleted at disposal.</param>
    /// <param name="now">The PKI's and the signing keys' clock.</param>
    /// <param name="refusalCounter">The built refusal counter plugin (<see cref="BrokerConfig.RefusalCounterFileName"/>) the broker loads.</param>
    public static DemoWorkspace Create(string? keep, DateTimeOffset now, string refusalCounter)
    {
        if (!MosquittoProcess.Installed)
        {
            throw new FleetException(FleetError.NotFound, "mosquitto is not installed: run scripts/install-deps.sh (or: sudo apt-get install mosquitto mosquitto-clients)");
        }

        // Checked before anything is made: step 8 checks what the counter counted, so a demo without it cannot pass.
        if (!File.Exists(refusalCounter))
        {
            throw new FleetException(FleetError.NotFound, "refusal counter plugin not found: " + refusalCounter + " (build it with 'make -C host/broker/refusal-counter')");
        }

        string folder;
        if (keep != null)
        {
            folder = Path.GetFullPath(keep);
            if (File.Exists(folder) || (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any()))
            {
                throw new FleetException(FleetError.AlreadyExists, "--keep folder must not exist or be empty: " + folder);
            }

            Directory.CreateDirectory(folder);
        }
        else
        {
            folder = Directory.CreateTempSubdirectory("securedevice-demo-").FullName;
        }

        var workspace = new DemoWorkspace(folder, keep != null);
        try
        {
            workspace.Build(now, refusalCounter);
            return workspace;
        }
        catch
        {
            workspace.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Provisions <paramref name="id"/> the way 'securedevice provision' does, registers it with the broker's
    /// dynamic-security plugin ('securedevice broker sync') and loads it as a virtual device identity.
    /// </summary>
    public DeviceIdentity Provision(string id, DateTimeOffset now)
    {
        Provisioning.Provision(new ProvisionRequest { Pki = Pki, DeviceId = id, OutputFolder = Devices, Settings = DeviceSettings.For("localhost", BrokerPort), Owner = "demo-customer", Now = now });
        BrokerAccessResult registered = Admin.RegisterAsync(new[] { id }).GetAwaiter().GetResult();
        if (!registered.Succeeded)
        {
            throw new InvalidOperationException("cannot register " + id + " with the broker: " + registered.Detail);
        }

        return DeviceIdentity.Load(Devices, id, Pki.RootCertificate);
    }

    /// <summary>The broker-admin connection to the broker's dynamic-security plugin.</summary>
    public DynamicSecurityAdmin Admin { get; private set; } = null!;

    /// <summary>Writes a signed bundle into the served folder and returns its offer payload.</summary>
    public string Publish(SignedBundle bundle, string folder)
    {
        Release.Write(bundle, Path.Combine(Bundles, folder), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        return "{\"url\":\"" + Updates.BaseUrl + folder + "/\"}";
    }

    /// <summary>Flips one byte of a served file (a bundle tampered with on the way or on the server).</summary>
    public void Tamper(string folder, string file)
    {
        string path = Path.Combine(Bundles, folder, file);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x20;
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Marks <paramref name="id"/> revoked, re-issues the CRL and reloads the broker, as 'securedevice revoke' + SIGHUP.</summary>
    public void Revoke(string id, DateTimeOffset now)
    {
        Revocation.Revoke(Pki, id, now, Broker);
    }

    public void Dispose()
    {
        Updates?.Dispose();
        Admin?.Dispose();
        Broker?.Dispose();
        Release?.Dispose();
        Previous?.Dispose();
        if (!_keep)
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still open in a process that is going away; the folder is in the temporary area anyway.
            }
        }
    }

    private void Build(DateTimeOffset now, string refusalCounter)
    {
        PkiFolder.Init(Pki.Folder, new[] { "localhost" }, new[] { IPAddress.Loopback }, now);
        BrokerPort = FreePort();
        string config = BrokerConfig.Write(new BrokerConfigRequest
        {
            Pki = Pki,
            OutputFolder = Path.Combine(Folder, "broker"),
            Port = BrokerPort,
            RefusalCounterPlugin = refusalCounter,
            RefusalInterval = RefusalInterval,
        });
        Broker = new MosquittoProcess(config);
        Broker.Start();
        Admin = DynamicSecurityAdmin.For(Pki, "localhost", BrokerPort);

        long start = now.ToUnixTimeSeconds() - 3600;
        Action<byte[]> fill = bytes => RandomNumberGenerator.Fill(bytes);
        Previous = SigningKit.Create(fill, "release-2025", new[] { "sensor" }, start, start + (365 * 86400L));
        Release = Previous.Delegate(fill, "release-2026", new[] { "sensor" }, start, start + (365 * 86400L));
        string keys = Path.Combine(Folder, "keys");
        Directory.CreateDirectory(keys);
        File.WriteAllText(RootPublicKey, Ed25519KeyFile.PublicKeyPem(Release.RootPublicKey));
        File.WriteAllBytes(Path.Combine(keys, "release-2025.delegation"), Previous.Delegation);
        File.WriteAllBytes(Path.Combine(keys, "release-2026.delegation"), Release.Delegation);

        Directory.CreateDirectory(Bundles);
        RootCa = X509Certificate2.CreateFromPem(File.ReadAllText(Pki.RootCertificate));
        using IssuedCertificate root = CertificateAuthority.Load(Pki.RootCertificate, Pki.RootKey);
        using IssuedCertificate server = CertificateAuthority.CreateServer(root, "localhost", new[] { "localhost" }, new[] { IPAddress.Loopback }, now.AddMinutes(-5), now.AddDays(7));
        using X509Certificate2 withKey = server.Certificate.CopyWithPrivateKey(server.Key);
        Updates = UpdateServer.Start(Bundles, 0, X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
    }

    /// <summary>A TCP port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
