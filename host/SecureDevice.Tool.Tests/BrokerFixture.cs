using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.TestSupport;
using SecureDevice.Lab.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Broker;
using SecureDevice.VirtualDevice.Transport;

namespace SecureDevice.Tool.Tests;

/// <summary>A PKI made by the tool and the reference mosquitto configuration running on a free 127.0.0.1 port.</summary>
public sealed class BrokerFixture : IDisposable
{
    private readonly TemporaryDirectory _folder = new("broker");

    public BrokerFixture()
    {
        Port = FreePort.Next();
        ToolRun.Ok("pki", "init", "--out", PkiFolder);
        ToolRun.Ok("broker", "config", "--pki", PkiFolder, "--out", _folder.Combine("broker"), "--port", Port.ToString());
        Broker = new MosquittoProcess(_folder.Combine("broker", "mosquitto.conf"));
        Broker.Start();
    }

    public int Port { get; }

    public MosquittoProcess Broker { get; private set; }

    public string PkiFolder => _folder.Combine("pki");

    public PkiLayout Pki => new(PkiFolder);

    public string Devices => _folder.Combine("devices");

    public string Combine(params string[] parts) => _folder.Combine(parts);

    /// <summary>Provisions a device with the tool and registers it with the running broker (or returns it if it exists).</summary>
    public (string Certificate, string Key) Provision(string id)
    {
        string certificate = Path.Combine(Devices, id + ".pem");
        if (!File.Exists(certificate))
        {
            ToolRun.Ok("provision", id, "--pki", PkiFolder, "--out", Devices, "--broker-port", Port.ToString());
            ToolResult synced = ToolRun.Run("broker", "sync", "--pki", PkiFolder, "--broker", "localhost:" + Port.ToString());
            if (synced.ExitCode != 0)
            {
                throw new InvalidOperationException("broker sync failed: " + synced + "\nbroker log:\n" + Broker.Log);
            }
        }

        return (certificate, Path.Combine(Devices, id + ".key.pem"));
    }

    /// <summary>The service identity for mosquitto_sub/mosquitto_pub.</summary>
    public MqttClientIdentity Service => new(Pki.RootCertificate, Pki.ServiceCertificate, Pki.ServiceKey, Port);

    /// <summary>The service's command identity (throttle commands only) for mosquitto_pub.</summary>
    public MqttClientIdentity Commands => new(Pki.RootCertificate, Pki.CommandCertificate, Pki.CommandKey, Port);

    /// <summary>The operator identity (commands, offers) for mosquitto_pub: a second connection beside the service's.</summary>
    public MqttClientIdentity Operator => new(Pki.RootCertificate, Pki.OperatorCertificate, Pki.OperatorKey, Port);

    /// <summary>A device identity for mosquitto_sub/mosquitto_pub.</summary>
    public MqttClientIdentity Client(string certificate, string key) => new(Pki.RootCertificate, certificate, key, Port);

    /// <summary>Loads a provisioned device the way a virtual device does.</summary>
    public SecureDevice.VirtualDevice.DeviceIdentity Identity(string id)
    {
        Provision(id);
        return SecureDevice.VirtualDevice.DeviceIdentity.Load(Devices, id, Pki.RootCertificate);
    }

    /// <summary>Restarts the broker process with the same configuration and port.</summary>
    public MosquittoProcess Restart()
    {
        Broker.Kill();
        Broker = new MosquittoProcess(Combine("broker", "mosquitto.conf"));
        Broker.Start();
        return Broker;
    }

    /// <summary>A TLS endpoint for a certificate/key pair, pinned to this PKI's root.</summary>
    public TlsEndpoint Endpoint(string certificatePath, string keyPath, string host = "localhost", X509Certificate2? anchor = null)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(certificatePath);
        X509Certificate2 leaf = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath), File.ReadAllText(keyPath));
        var intermediates = new X509Certificate2Collection();
        for (int i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        return new TlsEndpoint
        {
            Host = host,
            Port = Port,
            ConnectAddress = "127.0.0.1",
            ClientCertificate = leaf,
            ClientChain = intermediates,
            TrustAnchor = anchor ?? X509Certificate2.CreateFromPem(File.ReadAllText(Pki.RootCertificate)),
            Timeout = TimeSpan.FromSeconds(5),
        };
    }

    public void Dispose()
    {
        Broker.Dispose();
        _folder.Dispose();
    }
}
