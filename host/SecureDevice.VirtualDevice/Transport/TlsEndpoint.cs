using System;
using System.Security.Cryptography.X509Certificates;

namespace SecureDevice.VirtualDevice.Transport;

/// <summary>Where and as whom a virtual device connects: the broker, its pinned trust anchor and the device identity.</summary>
public sealed class TlsEndpoint
{
    /// <summary>Host name the broker certificate must match (and the address to connect to unless <see cref="ConnectAddress"/> is set).</summary>
    public required string Host { get; init; }

    public required int Port { get; init; }

    /// <summary>Connect here instead of resolving <see cref="Host"/> (tests: a name that resolves elsewhere).</summary>
    public string? ConnectAddress { get; init; }

    /// <summary>The device certificate with its private key.</summary>
    public required X509Certificate2 ClientCertificate { get; init; }

    /// <summary>Intermediate certificates sent with the client certificate (the device-issuing CA).</summary>
    public X509Certificate2Collection ClientChain { get; init; } = new();

    /// <summary>The only CA the broker certificate may chain to (the device's CACertificates).</summary>
    public required X509Certificate2 TrustAnchor { get; init; }

    /// <summary>Timeout for TCP connect, TLS handshake, CONNACK and SUBACK.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest inbound payload kept; larger ones are flagged oversized and discarded.</summary>
    public int InboundCapacity { get; init; } = 4096;
}
