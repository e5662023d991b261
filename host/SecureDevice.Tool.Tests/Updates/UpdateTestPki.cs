using System;
using System.IO;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Broker;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>
/// Certificates for the update server tests, made at test time with the tool's own <see cref="CertificateAuthority"/>
/// (no key material is committed): the fleet CA, a server certificate for 127.0.0.1 and localhost, and on request
/// certificates from another CA or for another name.
/// </summary>
public sealed class UpdateTestPki : IDisposable
{
    private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

    /// <summary>Creates the CA and the server certificate and writes ca.pem, server.pem and server.key.pem into <paramref name="folder"/>.</summary>
    public UpdateTestPki(string folder)
    {
        Ca = CertificateAuthority.CreateRoot("Update Test CA", _now.AddMinutes(-5), _now.AddYears(1));
        Server = CertificateAuthority.CreateServer(Ca, "localhost", new[] { "localhost" }, new[] { IPAddress.Loopback }, _now.AddMinutes(-5), _now.AddDays(30));
        CaPath = Path.Combine(folder, "ca.pem");
        ServerCertificatePath = Path.Combine(folder, "server.pem");
        ServerKeyPath = Path.Combine(folder, "server.key.pem");
        File.WriteAllText(CaPath, Ca.CertificatePem);
        File.WriteAllText(ServerCertificatePath, Server.CertificatePem);
        File.WriteAllText(ServerKeyPath, Server.KeyPem);
    }

    /// <summary>The CA devices pin.</summary>
    public IssuedCertificate Ca { get; }

    /// <summary>Server certificate for localhost and 127.0.0.1, issued by <see cref="Ca"/>.</summary>
    public IssuedCertificate Server { get; }

    public string CaPath { get; }

    public string ServerCertificatePath { get; }

    public string ServerKeyPath { get; }

    /// <summary><see cref="Server"/> with its private key, as a TLS server needs it.</summary>
    public X509Certificate2 ServerWithKey() => WithKey(Server);

    /// <summary>A server certificate for 127.0.0.1 issued by a freshly made, unrelated CA.</summary>
    public X509Certificate2 FromOtherCa()
    {
        using IssuedCertificate other = CertificateAuthority.CreateRoot("Other CA", _now.AddMinutes(-5), _now.AddYears(1));
        using IssuedCertificate server = CertificateAuthority.CreateServer(other, "localhost", new[] { "localhost" }, new[] { IPAddress.Loopback }, _now.AddMinutes(-5), _now.AddDays(30));
        return WithKey(server);
    }

    /// <summary>A server certificate issued by <see cref="Ca"/> for <paramref name="dnsName"/> only (no IP address).</summary>
    public X509Certificate2 ForOtherName(string dnsName)
    {
        using IssuedCertificate server = CertificateAuthority.CreateServer(Ca, dnsName, new[] { dnsName }, Array.Empty<IPAddress>(), _now.AddMinutes(-5), _now.AddDays(30));
        return WithKey(server);
    }

    /// <summary>The CA certificate as a device holds it (public part only).</summary>
    public X509Certificate2 TrustAnchor() => X509Certificate2.CreateFromPem(Ca.CertificatePem);

    public void Dispose()
    {
        Server.Dispose();
        Ca.Dispose();
    }

    private static X509Certificate2 WithKey(IssuedCertificate issued) => issued.Certificate.CopyWithPrivateKey(issued.Key);
}
