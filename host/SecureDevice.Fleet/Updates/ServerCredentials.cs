using System;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Fleet.Updates;

/// <summary>
/// A TLS server certificate with its private key, loaded from the PEM files an operator names (as <c>pki init</c> writes
/// them: <c>broker.pem</c> and <c>broker.key.pem</c>). Every problem is a one-line <see cref="FleetException"/> that names
/// the file but never shows key material.
/// </summary>
public sealed class ServerCredentials : IDisposable
{
    private ServerCredentials(X509Certificate2 certificate, X509Certificate2Collection intermediates)
    {
        Certificate = certificate;
        Intermediates = intermediates;
    }

    /// <summary>The server certificate (the first one in the file) with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Any further certificates in the certificate file, sent as the chain.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>
    /// Loads <paramref name="certificatePath"/> and <paramref name="keyPath"/> and checks that they belong together, that
    /// the certificate is valid at <paramref name="now"/> and that it is a server certificate (not a CA, serverAuth allowed).
    /// </summary>
    /// <exception cref="FleetException">Missing, unreadable, not PEM, encrypted, mismatched, expired or not a server certificate.</exception>
    public static ServerCredentials Load(string certificatePath, string keyPath, DateTimeOffset now)
    {
        (X509Certificate2 withKey, X509Certificate2Collection intermediates) = PemIdentity.Load(certificatePath, keyPath);
        try
        {
            PemIdentity.CheckValidAt(withKey, certificatePath, now);
            PemIdentity.CheckLeafUsage(withKey, certificatePath, CertificateAuthority.ServerAuth, "server", "server certificate (for example pki/broker.pem)");
        }
        catch
        {
            withKey.Dispose();
            throw;
        }

        return new ServerCredentials(withKey, intermediates);
    }

    /// <summary>Releases the certificates.</summary>
    public void Dispose()
    {
        Certificate.Dispose();
        foreach (X509Certificate2 intermediate in Intermediates)
        {
            intermediate.Dispose();
        }
    }
}
