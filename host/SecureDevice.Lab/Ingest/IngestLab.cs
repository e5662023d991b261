using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Lab.Broker;

namespace SecureDevice.Lab.Ingest;

/// <summary>How <see cref="IngestLab"/> renders its broker: the refusal counter (null: none) and extra mosquitto.conf lines.</summary>
public sealed record IngestLabBroker(string? RefusalCounter, int RefusalInterval = 10, string? ExtraConfig = null);

/// <summary>
/// A throwaway fleet for the service's tests and the ingest benchmark: a PKI from <see cref="PkiFolder.Init"/>, the
/// reference broker configuration from <see cref="BrokerConfig.Write"/> running in mosquitto on a free 127.0.0.1 port,
/// and a data folder (0700) for the service.
/// </summary>
public sealed class IngestLab : IDisposable
{
    private IngestLab(string folder, int port, MosquittoProcess broker)
    {
        Folder = folder;
        Port = port;
        Broker = broker;
    }

    public string Folder { get; }

    public int Port { get; }

    public MosquittoProcess Broker { get; private set; }

    public PkiLayout Pki => new(Path.Combine(Folder, "pki"));

    /// <summary>The service's data folder (created, mode 0700).</summary>
    public string Data => Path.Combine(Folder, "data");

    public string BrokerFolder => Path.Combine(Folder, "broker");

    public X509Certificate2 Root => X509Certificate2.CreateFromPem(File.ReadAllText(Pki.RootCertificate));

    /// <summary>Creates the PKI, the broker configuration and the data folder in <paramref name="folder"/> and starts mosquitto.</summary>
    public static IngestLab Create(string folder) => Create(folder, null, null);

    /// <summary>
    /// As <see cref="Create(string)"/>, with <paramref name="beforeBroker"/> run on the new PKI before the broker's
    /// configuration is rendered: devices it enrols are in the dynamic-security file the broker starts with (as
    /// <c>securedevice broker config</c> renders them), so they need no registration over the control topic, which
    /// rewrites the plugin's whole file per command and timed out for 1000 devices on a loaded machine. The broker gets
    /// <paramref name="brokerStart"/> (default 10 s) to say it is running.
    /// </summary>
    public static IngestLab Create(string folder, Action<PkiLayout>? beforeBroker, TimeSpan? brokerStart) => Create(folder, beforeBroker, brokerStart, null);

    /// <summary>
    /// As <see cref="Create(string, Action{PkiLayout}?, TimeSpan?)"/>, with the broker configuration rendered by
    /// <paramref name="broker"/>: the refusal counter plugin and its interval, and lines appended to mosquitto.conf (e.g.
    /// <c>log_type debug</c>).
    /// </summary>
    public static IngestLab Create(string folder, Action<PkiLayout>? beforeBroker, TimeSpan? brokerStart, IngestLabBroker? broker)
    {
        Directory.CreateDirectory(folder);
        PkiFolder.Init(Path.Combine(folder, "pki"), new[] { "localhost" }, new[] { IPAddress.Loopback }, DateTimeOffset.UtcNow);
        beforeBroker?.Invoke(new PkiLayout(Path.Combine(folder, "pki")));
        int port = FreePort();
        string config = BrokerConfig.Write(new BrokerConfigRequest
        {
            Pki = new PkiLayout(Path.Combine(folder, "pki")),
            OutputFolder = Path.Combine(folder, "broker"),
            Port = port,
            RefusalCounterPlugin = broker?.RefusalCounter,
            RefusalInterval = broker?.RefusalInterval ?? 10,
        });
        if (broker?.ExtraConfig is string extra)
        {
            File.AppendAllText(config, "\n" + extra + "\n");
        }

        Directory.CreateDirectory(Path.Combine(folder, "data"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(folder, "data"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var process = new MosquittoProcess(Path.Combine(folder, "broker", BrokerConfig.ConfigFile));
        process.Start(brokerStart);
        return new IngestLab(folder, port, process);
    }

    /// <summary>The broker's dynamic-security administrator (broker-admin identity of the lab's PKI).</summary>
    public DynamicSecurityAdmin Admin() => DynamicSecurityAdmin.For(Pki, "localhost", Port);

    /// <summary>
    /// Registers devices with the broker's dynamic-security plugin: a device has rights only once registered (an unknown
    /// client connects but every publish of it is dropped).
    /// </summary>
    /// <exception cref="InvalidOperationException">The plugin did not accept the registration.</exception>
    public async Task RegisterAsync(IReadOnlyCollection<string> deviceIds)
    {
        using DynamicSecurityAdmin admin = Admin();
        const int Chunk = 100;
        for (int i = 0; i < deviceIds.Count; i += Chunk)
        {
            List<string> chunk = deviceIds.Skip(i).Take(Chunk).ToList();
            BrokerAccessResult result = await admin.RegisterAsync(chunk).ConfigureAwait(false);
            // Registration is idempotent (an existing role or client is left alone): on a loaded machine a slow broker
            // answer is worth asking again rather than failing a benchmark or test run.
            for (int attempt = 1; attempt < 4 && result.Status is BrokerAccessStatus.Timeout or BrokerAccessStatus.Unreachable; attempt++)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt)).ConfigureAwait(false);
                result = await admin.RegisterAsync(chunk).ConfigureAwait(false);
            }

            if (!result.Succeeded)
            {
                throw new InvalidOperationException("dynamic-security registration failed: " + result.Status + " " + result.Detail);
            }
        }
    }

    /// <summary>
    /// Gives a further service instance identity (<c>service.N</c>) the service role and its command identity
    /// (<c>commands.service.N</c>) the commands role (docs/service.md, "Two instances", "Command connection").
    /// </summary>
    /// <exception cref="InvalidOperationException">The plugin did not accept it.</exception>
    public async Task GrantServiceRightsAsync(string identity)
    {
        using DynamicSecurityAdmin admin = Admin();
        BrokerAccessResult result = await admin.AddServiceInstanceAsync(identity).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException("dynamic-security: " + result.Status + " " + result.Detail);
        }
    }

    /// <summary>Kills mosquitto and starts it again with the same configuration (and persistence file).</summary>
    public void RestartBroker()
    {
        Broker.Kill();
        Broker = new MosquittoProcess(Path.Combine(BrokerFolder, BrokerConfig.ConfigFile));
        Broker.Start();
    }

    public void Dispose()
    {
        Broker.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
