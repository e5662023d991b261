using System;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Updates;

/// <summary>
/// A TLS server certificate with its private key, loaded from the PEM files an operator names (as <c>pki init</c> writes
/// them: <c>broker.pem</c> and <c>broker.key.pem</c>). Every problem is a one-line <see cref="FleetException"/> that names
/// the file but never shows key material.
/// </summary>
public sealed class ServerCredentials : IDisposable
{
    private const long MaxPemBytes = 1024 * 1024;
    private static readonly string[] KeyLabels = { "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY" };

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
        string certificateText = Encoding.ASCII.GetString(SafeFileReader.Read(certificatePath, MaxPemBytes, "certificate"));
        string keyText = Encoding.ASCII.GetString(SafeFileReader.Read(keyPath, MaxPemBytes, "key"));
        CheckKeyIsPem(keyText, keyPath);

        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(certificateText);
        }
        catch (CryptographicException)
        {
            throw new FleetException(FleetError.InvalidDocument, "certificate " + certificatePath + " holds a damaged PEM certificate");
        }

        if (all.Count == 0)
        {
            throw new FleetException(FleetError.InvalidDocument, "certificate " + certificatePath + " holds no PEM certificate");
        }

        X509Certificate2 withKey;
        try
        {
            withKey = X509Certificate2.CreateFromPem(all[0].ExportCertificatePem(), keyText);
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException)
        {
            // The exception text can be about key parsing; the file name is enough and shows nothing of the key.
            throw new FleetException(FleetError.InvalidDocument, "key " + keyPath + " does not match certificate " + certificatePath + " (or is not a supported EC or RSA key)");
        }

        var intermediates = new X509Certificate2Collection();
        foreach (X509Certificate2 extra in all.Skip(1))
        {
            intermediates.Add(extra);
        }

        all[0].Dispose();
        try
        {
            CheckServerCertificate(withKey, certificatePath, now);
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

    private static void CheckKeyIsPem(string keyText, string keyPath)
    {
        ReadOnlySpan<char> rest = keyText;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            string label = rest[fields.Label].ToString();
            if (label == "ENCRYPTED PRIVATE KEY")
            {
                throw new FleetException(FleetError.InvalidDocument, "key " + keyPath + " is encrypted; the server needs an unencrypted PEM key (mode 0600)");
            }

            if (KeyLabels.Contains(label))
            {
                return;
            }

            rest = rest[fields.Location.End..];
        }

        throw new FleetException(FleetError.InvalidDocument, "key " + keyPath + " is not a PEM private key");
    }

    private static void CheckServerCertificate(X509Certificate2 certificate, string path, DateTimeOffset now)
    {
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            throw new FleetException(FleetError.InvalidDocument, "certificate " + path + " is not valid now (valid "
                + certificate.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + " to "
                + certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + ")");
        }

        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509BasicConstraintsExtension { CertificateAuthority: true })
            {
                throw new FleetException(FleetError.InvalidDocument, "certificate " + path + " is a CA certificate; give the server certificate (for example pki/broker.pem)");
            }

            if (extension is X509EnhancedKeyUsageExtension usage
                && !usage.EnhancedKeyUsages.Cast<Oid>().Any(oid => oid.Value == SecureDevice.Fleet.Pki.CertificateAuthority.ServerAuth))
            {
                throw new FleetException(FleetError.InvalidDocument, "certificate " + path + " is not a TLS server certificate (no serverAuth extended key usage)");
            }
        }
    }
}
