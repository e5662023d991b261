using System;
using System.Collections.Generic;
using System.IO;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Files;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Service.Hosting;

/// <summary>
/// Identities for service instances. The broker forces the MQTT client id to the certificate's CN, so two instances need
/// two certificates: <c>service.N</c> (a dot never appears in a device id, so no instance can pose as a device). Each
/// instance also needs its command identity, <c>commands.INSTANCE</c> (<see cref="BrokerRights.CommandIdentity"/>): its
/// device commands leave on a connection of their own, which ingest's delivery gate never holds up (docs/service.md,
/// "Command connection"). The broker must grant <c>service.N</c> the rights of <c>service</c> and the command identity the
/// <c>commands</c> role (docs/service.md, "Two instances").
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

    /// <summary>The command identity of the instance <paramref name="instance"/>: <c>commands.service</c>, <c>commands.service.N</c>.</summary>
    public static string CommandName(string instance) => BrokerRights.CommandIdentity(instance);

    /// <summary>
    /// Issues an instance's identities in the PKI folder from its device CA: for <c>service.N</c>, NAME.pem and
    /// NAME.key.pem and its command identity commands.NAME.pem and commands.NAME.key.pem; for <c>service</c> (whose own
    /// identity <c>pki init</c> made), only its command identity, for a PKI folder made before command identities existed.
    /// Certificates carry the device CA after them; keys are 0600. Never overwrites: if any of the files exists, nothing
    /// is written.
    /// </summary>
    /// <returns>The certificate files written.</returns>
    /// <exception cref="FleetException">A bad name, an existing identity, a PKI problem.</exception>
    public static string Issue(PkiLayout pki, string name, DateTimeOffset now)
    {
        if (!IsInstanceName(name))
        {
            throw new FleetException(FleetError.InvalidArgument, "an instance identity is service or service.N: 'service.' and 1-32 of [a-z0-9-], got '" + name + "'");
        }

        pki.RequireExisting();
        var names = name == BrokerRights.ServiceUser ? new[] { CommandName(name) } : new[] { name, CommandName(name) };
        foreach (string identity in names)
        {
            AtomicFile.RefuseExisting(Path.Combine(pki.Folder, identity + ".pem"));
            AtomicFile.RefuseExisting(Path.Combine(pki.Folder, identity + ".key.pem"));
        }

        using IDisposable locked = PkiLock.Acquire(pki);
        using IssuedCertificate deviceCa = CertificateAuthority.Load(pki.DeviceCaCertificate, pki.DeviceCaKey);
        var written = new List<string>();
        foreach (string identity in names)
        {
            string certificate = Path.Combine(pki.Folder, identity + ".pem");
            using IssuedCertificate issued = CertificateAuthority.CreateClient(deviceCa, identity, now.AddMinutes(-5), now.AddYears(2));
            AtomicFile.WriteNew(Path.Combine(pki.Folder, identity + ".key.pem"), System.Text.Encoding.ASCII.GetBytes(issued.KeyPem), AtomicFile.PrivateMode);
            AtomicFile.WriteNew(certificate, System.Text.Encoding.ASCII.GetBytes(issued.CertificatePem + deviceCa.CertificatePem), AtomicFile.PublicMode);
            written.Add(certificate);
        }

        return string.Join(" and ", written);
    }
}
