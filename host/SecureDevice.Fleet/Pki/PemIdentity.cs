using System;
using System.Linq;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Pki;

/// <summary>
/// A certificate (the first in its PEM file) joined with its PEM private key, plus any further certificates in the file.
/// Shared by the TLS server (<see cref="Updates.ServerCredentials"/>) and the MQTT client identities
/// (<see cref="Broker.BrokerIdentity"/>). Errors name the files and never show key material.
/// </summary>
internal static class PemIdentity
{
    private const long MaxPemBytes = 1024 * 1024;
    private static readonly string[] KeyLabels = { "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY" };

    /// <exception cref="FleetException">Missing, unreadable, not PEM, encrypted or mismatched.</exception>
    public static (X509Certificate2 Leaf, X509Certificate2Collection Others) Load(string certificatePath, string keyPath)
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

        var rest = new X509Certificate2Collection();
        foreach (X509Certificate2 extra in all.Skip(1))
        {
            rest.Add(extra);
        }

        all[0].Dispose();
        return (withKey, rest);
    }

    /// <summary>Fails unless <paramref name="certificate"/> is valid at <paramref name="now"/>.</summary>
    public static void CheckValidAt(X509Certificate2 certificate, string path, DateTimeOffset now)
    {
        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            throw new FleetException(FleetError.InvalidDocument, "certificate " + path + " is not valid now (valid "
                + certificate.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + " to "
                + certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) + ")");
        }
    }

    /// <summary>Fails when <paramref name="certificate"/> is a CA or its extended key usage leaves out <paramref name="usageOid"/>.</summary>
    public static void CheckLeafUsage(X509Certificate2 certificate, string path, string usageOid, string usageName, string example)
    {
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509BasicConstraintsExtension { CertificateAuthority: true })
            {
                throw new FleetException(FleetError.InvalidDocument, "certificate " + path + " is a CA certificate; give the " + example);
            }

            if (extension is X509EnhancedKeyUsageExtension usage && !usage.EnhancedKeyUsages.Cast<Oid>().Any(oid => oid.Value == usageOid))
            {
                throw new FleetException(FleetError.InvalidDocument, "certificate " + path + " is not a TLS " + usageName + " certificate (no " + usageName + "Auth extended key usage)");
            }
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
                throw new FleetException(FleetError.InvalidDocument, "key " + keyPath + " is encrypted; an unencrypted PEM key (mode 0600) is needed");
            }

            if (KeyLabels.Contains(label))
            {
                return;
            }

            rest = rest[fields.Location.End..];
        }

        throw new FleetException(FleetError.InvalidDocument, "key " + keyPath + " is not a PEM private key");
    }
}
