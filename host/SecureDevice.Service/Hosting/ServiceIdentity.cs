using System;
using System.IO;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Service.Hosting;

/// <summary>
/// Identities for further service instances. The broker forces the MQTT client id to the certificate's CN, so two
/// instances need two certificates: <c>service.N</c> (a dot never appears in a device id, so no instance can pose as a
/// device). The broker must grant each the rights of <c>service</c> (docs/service.md, "Two instances").
/// </summary>
public static class ServiceIdentity
{
    /// <summary>"service" or "service." followed by 1-32 of [a-z0-9-].</summary>
    public static bool IsInstanceName(string name)
    {
        if (name == "service")
        {
            return true;
        }

        if (!name.StartsWith("service.", StringComparison.Ordinal) || name.Length is <= 8 or > 40)
        {
            return false;
        }

        foreach (char c in name.AsSpan(8))
        {
            if (!(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Issues NAME.pem (with the device CA) and NAME.key.pem (0600) in the PKI folder from its device CA; never overwrites.</summary>
    /// <exception cref="FleetException">A bad name, an existing identity, a PKI problem.</exception>
    public static string Issue(PkiLayout pki, string name, DateTimeOffset now)
    {
        if (!IsInstanceName(name) || name == "service")
        {
            throw new FleetException(FleetError.InvalidArgument, "an instance identity is service.N: 'service.' and 1-32 of [a-z0-9-], got '" + name + "'");
        }

        pki.RequireExisting();
        string certificate = Path.Combine(pki.Folder, name + ".pem");
        string key = Path.Combine(pki.Folder, name + ".key.pem");
        AtomicFile.RefuseExisting(certificate);
        AtomicFile.RefuseExisting(key);
        using IDisposable locked = PkiLock.Acquire(pki);
        using IssuedCertificate deviceCa = CertificateAuthority.Load(pki.DeviceCaCertificate, pki.DeviceCaKey);
        using IssuedCertificate issued = CertificateAuthority.CreateClient(deviceCa, name, now.AddMinutes(-5), now.AddYears(2));
        AtomicFile.WriteNew(key, System.Text.Encoding.ASCII.GetBytes(issued.KeyPem), AtomicFile.PrivateMode);
        AtomicFile.WriteNew(certificate, System.Text.Encoding.ASCII.GetBytes(issued.CertificatePem + deviceCa.CertificatePem), AtomicFile.PublicMode);
        return certificate;
    }
}
