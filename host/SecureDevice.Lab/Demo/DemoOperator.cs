using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using SecureDevice.Core.Connectivity;
using SecureDevice.Fleet.Pki;
using SecureDevice.VirtualDevice.Transport;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// The operator of the demo, over its own mutual-TLS MQTT connection with the PKI's <c>operator</c> certificate: it
/// publishes update offers on a device's down topic, as README tells an operator to do on real boards (the fleet
/// service's own role may publish throttle commands only). It reads nothing: every check of the demo reads the fleet
/// service's database (<see cref="DemoService"/>).
/// </summary>
public sealed class DemoOperator : IDisposable
{
    private readonly TlsMqttTransport _operator;
    private readonly Thread _pump;
    private volatile bool _stop;

    public DemoOperator(PkiLayout pki, int port)
    {
        _operator = new TlsMqttTransport(Endpoint(pki.RootCertificate, pki.OperatorCertificate, pki.OperatorKey, port));
        var result = new ConnectResult();
        _operator.Connect(new MqttConnectOptions { ClientId = "operator", KeepAliveSeconds = 60, CleanSession = true }, result);
        if (!result.Connected)
        {
            throw new InvalidOperationException("operator could not connect to the broker: " + result.Failure + " " + result.Detail);
        }

        // Takes the PUBACKs of the offers so the transport's window never fills.
        _pump = new Thread(Pump) { IsBackground = true, Name = "demo-operator" };
        _pump.Start();
    }

    /// <summary>Publishes an update offer (QoS 1) to devices/<paramref name="id"/>/down/update as the operator.</summary>
    public void Offer(string id, string offer)
    {
        byte[] payload = Encoding.UTF8.GetBytes(offer);
        if (_operator.Publish("devices/" + id + "/down/update", payload, 0, payload.Length, 1, false, out _) != TransportStatus.Ok)
        {
            throw new InvalidOperationException("the operator could not publish the offer to " + id);
        }
    }

    public void Dispose()
    {
        _stop = true;
        _pump.Join(2000);
        _operator.Disconnect();
        _operator.Dispose();
    }

    /// <summary>A TLS endpoint for one of the PKI's client identities.</summary>
    public static TlsEndpoint Endpoint(string rootCa, string certificatePath, string keyPath, int port)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certificatePath);
        var chain = new X509Certificate2Collection();
        for (int i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }

        return new TlsEndpoint
        {
            Host = "localhost",
            Port = port,
            ConnectAddress = "127.0.0.1",
            ClientCertificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath), File.ReadAllText(keyPath)),
            ClientChain = chain,
            TrustAnchor = X509Certificate2.CreateFromPem(File.ReadAllText(rootCa)),
            Timeout = TimeSpan.FromSeconds(5),
        };
    }

    private void Pump()
    {
        var message = new InboundMessage(4096);
        while (!_stop)
        {
            bool any = false;
            while (_operator.TryTakeAcknowledged(out _))
            {
                any = true;
            }

            // Nothing is subscribed; anything delivered anyway is dropped.
            while (_operator.TryReceive(message))
            {
                any = true;
            }

            if (!any)
            {
                Thread.Sleep(20);
            }
        }
    }
}
