using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Pki;

/// <summary>A certificate and its ECDSA P-256 private key.</summary>
public sealed class IssuedCertificate : IDisposable
{
    public IssuedCertificate(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        Key = key;
    }

    public X509Certificate2 Certificate { get; }

    public ECDsa Key { get; }

    public string CertificatePem => Certificate.ExportCertificatePem() + "\n";

    public string KeyPem => Key.ExportPkcs8PrivateKeyPem() + "\n";

    public void Dispose()
    {
        Certificate.Dispose();
        Key.Dispose();
    }
}

/// <summary>
/// Issues the SecureDevice development hierarchy with .NET's System.Security.Cryptography: ECDSA P-256, SHA-256, proper
/// basicConstraints, keyUsage, extendedKeyUsage and key identifiers. Output is standard PEM that OpenSSL reads.
/// </summary>
public static class CertificateAuthority
{
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    /// <summary>Self-signed root CA (pathlen 1: it may sign one level of CAs).</summary>
    public static IssuedCertificate CreateRoot(string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName + ", O=SecureDevice", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return new IssuedCertificate(request.CreateSelfSigned(notBefore, notAfter), key);
    }

    /// <summary>Intermediate CA that issues device (and service) certificates only (pathlen 0).</summary>
    public static IssuedCertificate CreateIntermediate(IssuedCertificate issuer, string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName + ", O=SecureDevice", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        return new IssuedCertificate(Sign(request, issuer, notBefore, notAfter), key);
    }

    /// <summary>TLS server certificate for the broker or update server (serverAuth), with DNS names and IP addresses.</summary>
    public static IssuedCertificate CreateServer(IssuedCertificate issuer, string commonName, IEnumerable<string> dnsNames, IEnumerable<IPAddress> addresses,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName + ", O=SecureDevice", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(ServerAuth) }, false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (string dns in dnsNames)
        {
            names.AddDnsName(dns);
        }

        foreach (IPAddress address in addresses)
        {
            names.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(names.Build(critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        return new IssuedCertificate(Sign(request, issuer, notBefore, notAfter), key);
    }

    /// <summary>TLS client certificate (clientAuth) whose subject CN is <paramref name="commonName"/>: a device id, or "service".</summary>
    public static IssuedCertificate CreateClient(IssuedCertificate issuer, string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + commonName + ", O=SecureDevice", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(ClientAuth) }, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        return new IssuedCertificate(Sign(request, issuer, notBefore, notAfter), key);
    }

    /// <summary>Largest PEM file (certificate, key, CRL) read from a PKI folder.</summary>
    public const long MaxPemBytes = 1024 * 1024;

    /// <summary>The PEM text of the CRL in <paramref name="builder"/>, signed by <paramref name="issuer"/>.</summary>
    public static string BuildCrlPem(IssuedCertificate issuer, CertificateRevocationListBuilder builder, long crlNumber, DateTimeOffset thisUpdate, DateTimeOffset nextUpdate)
    {
        using X509Certificate2 signer = issuer.Certificate.CopyWithPrivateKey(issuer.Key);
        byte[] der = builder.Build(signer, new System.Numerics.BigInteger(crlNumber), nextUpdate, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, thisUpdate);
        return new string(PemEncoding.Write("X509 CRL", der)) + "\n";
    }

    /// <summary>Loads a certificate and its key from PEM files (read under the safe-file rule); they must belong together.</summary>
    /// <exception cref="FleetException">Missing, unsafe, malformed or mismatched.</exception>
    public static IssuedCertificate Load(string certificatePath, string keyPath)
    {
        string certificateText = Encoding.ASCII.GetString(SafeFileReader.Read(certificatePath, MaxPemBytes, "certificate"));
        string keyText = Encoding.ASCII.GetString(SafeFileReader.Read(keyPath, MaxPemBytes, "private key"));
        X509Certificate2? certificate = null;
        ECDsa? key = null;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificateText);
            key = ECDsa.Create();
            key.ImportFromPem(keyText);
            using ECDsa? inCertificate = certificate.GetECDsaPublicKey();
            if (inCertificate == null || !inCertificate.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
            {
                throw new FleetException(FleetError.CorruptState, "the key " + keyPath + " does not belong to " + certificatePath);
            }

            return new IssuedCertificate(certificate, key);
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException)
        {
            certificate?.Dispose();
            key?.Dispose();
            throw new FleetException(FleetError.CorruptState, "cannot load " + certificatePath + " with its key " + keyPath + " (malformed PEM or not an ECDSA key)", error);
        }
        catch
        {
            certificate?.Dispose();
            key?.Dispose();
            throw;
        }
    }

    /// <summary>Loads a certificate (no key) from a PEM file under the safe-file rule.</summary>
    public static X509Certificate2 LoadCertificate(string path)
    {
        string text = Encoding.ASCII.GetString(SafeFileReader.Read(path, MaxPemBytes, "certificate"));
        try
        {
            return X509Certificate2.CreateFromPem(text);
        }
        catch (CryptographicException error)
        {
            throw new FleetException(FleetError.CorruptState, "cannot load certificate " + path + ": malformed PEM", error);
        }
    }

    /// <summary>Writes the certificate (0644) and key (0600) PEM files; never overwrites.</summary>
    public static void Write(IssuedCertificate issued, string certificatePath, string keyPath)
    {
        AtomicFile.WriteNew(certificatePath, Encoding.ASCII.GetBytes(issued.CertificatePem), AtomicFile.PublicMode);
        AtomicFile.WriteNew(keyPath, Encoding.ASCII.GetBytes(issued.KeyPem), AtomicFile.PrivateMode);
    }

    /// <summary>A random positive 16-byte serial number.</summary>
    public static byte[] NewSerial()
    {
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }

    private static X509Certificate2 Sign(CertificateRequest request, IssuedCertificate issuer, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        if (notAfter > issuer.Certificate.NotAfter)
        {
            notAfter = issuer.Certificate.NotAfter;
        }

        X509SignatureGenerator generator = X509SignatureGenerator.CreateForECDsa(issuer.Key);
        return request.Create(issuer.Certificate.SubjectName, generator, notBefore, notAfter, NewSerial());
    }
}
