using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading;
using SecureDevice.Core.Connectivity;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Telemetry;
using SecureDevice.VirtualDevice.Transport;

namespace SecureDevice.Lab.Demo;

/// <summary>What the service knows about one device: only what arrived over MQTT.</summary>
public sealed class ReportedDevice
{
    private readonly List<string> _events = new();

    /// <summary>The retained status ("offline" is also the last will), or Unknown before one arrived.</summary>
    public PresenceStatus Status { get; internal set; } = PresenceStatus.Unknown;

    /// <summary>The last health report, decoded by the tool's CBOR reader into the named JSON form, or null.</summary>
    public JsonElement? Health { get; internal set; }

    /// <summary>Health reports received.</summary>
    public int Reports { get; internal set; }

    /// <summary>Update events received, oldest first (JSON text).</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToArray();
            }
        }
    }

    /// <summary>A field of the last health report ("group.field"), or null.</summary>
    public long? Field(string group, string field) =>
        Health is JsonElement health && health.TryGetProperty(group, out JsonElement g) && g.TryGetProperty(field, out JsonElement v) && v.ValueKind == JsonValueKind.Number
            ? v.GetInt64()
            : null;

    /// <summary>The version in the last health report.</summary>
    public string? Version => Field("identity", "versionMajor") is long major
        ? major + "." + Field("identity", "versionMinor") + "." + Field("identity", "versionPatch")
        : null;

    internal void AddEvent(string json)
    {
        lock (_events)
        {
            _events.Add(json);
        }
    }
}

/// <summary>
/// The fleet back end of the demo, over two mutual-TLS MQTT connections: "service" subscribes to every device's up
/// topics and decodes health reports; "operator" publishes offers to a device's down topic. Only what the broker
/// delivered is known here: the demo's checks read this, not the virtual devices' memory.
/// </summary>
public sealed class ServiceClient : IDisposable
{
    private readonly TlsMqttTransport _service;
    private readonly TlsMqttTransport _operator;
    private readonly ConcurrentDictionary<string, ReportedDevice> _devices = new(StringComparer.Ordinal);
    private readonly Thread _pump;
    private volatile bool _stop;

    public ServiceClient(PkiLayout pki, int port)
    {
        _service = new TlsMqttTransport(Endpoint(pki.RootCertificate, pki.ServiceCertificate, pki.ServiceKey, port));
        _operator = new TlsMqttTransport(Endpoint(pki.RootCertificate, pki.OperatorCertificate, pki.OperatorKey, port));
        Connect(_service, "service");
        Connect(_operator, "operator");
        if (_service.Subscribe("devices/+/up/#") != TransportStatus.Ok)
        {
            throw new InvalidOperationException("the service could not subscribe to devices/+/up/#");
        }

        _pump = new Thread(Pump) { IsBackground = true, Name = "demo-service" };
        _pump.Start();
    }

    /// <summary>Messages the service received that were not valid reports or events.</summary>
    public int Malformed { get; private set; }

    /// <summary>Messages received in all.</summary>
    public int Received { get; private set; }

    public ReportedDevice Device(string id) => _devices.GetOrAdd(id, _ => new ReportedDevice());

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
        _service.Disconnect();
        _operator.Disconnect();
        _service.Dispose();
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

    private static void Connect(TlsMqttTransport transport, string clientId)
    {
        var result = new ConnectResult();
        transport.Connect(new MqttConnectOptions { ClientId = clientId, KeepAliveSeconds = 60, CleanSession = true }, result);
        if (!result.Connected)
        {
            throw new InvalidOperationException(clientId + " could not connect to the broker: " + result.Failure + " " + result.Detail);
        }
    }

    private void Pump()
    {
        var message = new InboundMessage(4096);
        while (!_stop)
        {
            bool any = false;
            while (_service.TryReceive(message))
            {
                any = true;
                Received++;
                Handle(message);
            }

            while (_service.TryTakeAcknowledged(out _) || _operator.TryTakeAcknowledged(out _))
            {
            }

            if (!any)
            {
                Thread.Sleep(20);
            }
        }
    }

    private void Handle(InboundMessage message)
    {
        string[] levels = message.Topic.Split('/');
        if (levels.Length != 4 || levels[0] != "devices" || levels[2] != "up")
        {
            Malformed++;
            return;
        }

        ReportedDevice device = Device(levels[1]);
        byte[] payload = message.Payload.AsSpan(0, message.Length).ToArray();
        switch (levels[3])
        {
            case "status":
                if (Presence.TryParse(payload, out PresenceStatus presence))
                {
                    device.Status = presence;
                }
                else
                {
                    Malformed++;
                }

                break;
            case "health":
                if (HealthDecoder.TryDecode(payload, out DecodedHealthReport? report, out _) == HealthDecodeStatus.Decoded)
                {
                    using JsonDocument named = JsonDocument.Parse(report!.ToNamedJson());
                    device.Health = named.RootElement.Clone();
                    device.Reports++;
                }
                else
                {
                    Malformed++;
                }

                break;
            case "update":
                device.AddEvent(Encoding.UTF8.GetString(payload));
                break;
        }
    }
}
