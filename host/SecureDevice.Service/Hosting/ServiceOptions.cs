using System;
using System.Net;
using Microsoft.Extensions.Logging;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Hosting;

/// <summary>Everything <c>securedevice service</c> takes (docs/service.md, "Options"), with its defaults.</summary>
public sealed record ServiceOptions
{
    /// <summary>The PKI folder ('pki init'): the root CA, the service identity, the inventory the registry follows.</summary>
    public required string PkiFolder { get; init; }

    /// <summary>The service's own folder: the SQLite database (when no PostgreSQL URL is given). Must exist.</summary>
    public required string DataFolder { get; init; }

    /// <summary>postgres://... selects PostgreSQL instead of SQLite in <see cref="DataFolder"/>.</summary>
    public string? DatabaseUrl { get; init; }

    /// <summary>The broker's host name as in its certificate, and its port.</summary>
    public string BrokerHost { get; init; } = "localhost";

    public int BrokerPort { get; init; } = 8883;

    /// <summary>The identity in the PKI folder: NAME.pem and NAME.key.pem (0600); its CN is the MQTT client id and instance name.</summary>
    public string Identity { get; init; } = "service";

    /// <summary>Where /metrics and /health/* listen: loopback by default (docs/service.md, "HTTP").</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 9180);

    public uint SessionExpirySeconds { get; init; } = 86_400;

    public ushort ReceiveMaximum { get; init; } = 4096;

    /// <summary>The broker connection's socket buffers, bytes (<see cref="Ingest.BrokerSession.SocketBufferBytes"/>).</summary>
    public int SocketBufferBytes { get; init; } = 1 << 20;

    /// <summary>PUBLISH packets read and not yet handed to ingest, at most (<see cref="Ingest.BrokerSession.DeliveryWindow"/>).</summary>
    public int DeliveryWindow { get; init; } = 256;

    /// <summary>Largest packet the broker may send the service, bytes (<see cref="Ingest.BrokerSession.MaximumPacketSize"/>).</summary>
    public uint MaximumPacketSize { get; init; } = 16_384;

    /// <summary>MQTT keep-alive of the broker session (<see cref="Ingest.BrokerSession.KeepAlive"/>).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    public IngestOptions Ingest { get; init; } = new();

    public RetentionPolicy Retention { get; init; } = new(RawDays: 7, EventDays: 90, HourlyDays: 400, CounterDays: 90, DailyDays: 1830);

    public TimeSpan RegistryPoll { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaintenanceInterval { get; init; } = TimeSpan.FromSeconds(60);

    public LogLevel LogLevel { get; init; } = LogLevel.Information;
}
