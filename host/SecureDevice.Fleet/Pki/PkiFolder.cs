using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Pki;

/// <summary>Creates a development PKI folder (certs/README.md).</summary>
public static class PkiFolder
{
    /// <summary>Creates the CA hierarchy, broker, service, the service's command identity (commands.service), operator and broker-admin identities, an empty CRL and inventory in <paramref name="folder"/>.</summary>
    /// <exception cref="FleetException">The folder exists and is not empty, or a name is not usable.</exception>
    public static void Init(string folder, IReadOnlyList<string> brokerNames, IReadOnlyList<IPAddress> brokerAddresses, DateTimeOffset now)
    {
        string full = Path.GetFullPath(folder);
        foreach (string name in brokerNames)
        {
            // The name devices will check: the same rule their config parser applies (ASCII labels), and not an address.
            if (!SecureDevice.Core.Config.DeviceConfigParser.IsHostName(name) || Uri.CheckHostName(name) != UriHostNameType.Dns)
            {
                throw new FleetException(FleetError.InvalidArgument, "broker name is not a DNS name (labels of [A-Za-z0-9-]): '" + name + "'");
            }
        }

        FileKind kind = SafeFileReader.KindOf(full);
        if (kind == FileKind.Directory)
        {
            if (Directory.EnumerateFileSystemEntries(full).Any())
            {
                throw new FleetException(FleetError.AlreadyExists, "refusing to write into non-empty " + full);
            }

            Directory.Delete(full);
        }
        else if (kind != FileKind.Missing)
        {
            throw new FleetException(FleetError.AlreadyExists, "refusing to overwrite existing " + full);
        }

        using var staging = new StagingDirectory(full);
        if (!OperatingSystem.IsWindows())
        {
            // The folder holds the CA keys: owner only, so that the service's permission check accepts it as made.
            File.SetUnixFileMode(staging.Path, AtomicFile.PrivateFolderMode);
        }

        var layout = new PkiLayout(staging.Path);
        DateTimeOffset start = now.AddMinutes(-5);
        using IssuedCertificate root = CertificateAuthority.CreateRoot("SecureDevice Root CA", start, now.AddYears(10));
        using IssuedCertificate deviceCa = CertificateAuthority.CreateIntermediate(root, "SecureDevice Device CA", start, now.AddYears(5));
        using IssuedCertificate broker = CertificateAuthority.CreateServer(root, brokerNames.Count > 0 ? brokerNames[0] : "broker", brokerNames, brokerAddresses, start, now.AddYears(2));
        using IssuedCertificate service = CertificateAuthority.CreateClient(deviceCa, "service", start, now.AddYears(2));
        using IssuedCertificate commands = CertificateAuthority.CreateClient(deviceCa, Broker.BrokerRights.CommandUser, start, now.AddYears(2));
        using IssuedCertificate fleetOperator = CertificateAuthority.CreateClient(deviceCa, "operator", start, now.AddYears(2));
        using IssuedCertificate admin = CertificateAuthority.CreateClient(deviceCa, Broker.BrokerRights.AdminUser, start, now.AddYears(2));
        CertificateAuthority.Write(root, layout.RootCertificate, layout.RootKey);
        CertificateAuthority.Write(deviceCa, layout.DeviceCaCertificate, layout.DeviceCaKey);
        CertificateAuthority.Write(broker, layout.BrokerCertificate, layout.BrokerKey);
        CertificateAuthority.Write(service, layout.ServiceCertificate, layout.ServiceKey);
        CertificateAuthority.Write(commands, layout.CommandCertificate, layout.CommandKey);
        CertificateAuthority.Write(fleetOperator, layout.OperatorCertificate, layout.OperatorKey);
        CertificateAuthority.Write(admin, layout.AdminCertificate, layout.AdminKey);
        AtomicFile.WriteNew(layout.ClientCaBundle, Encoding.ASCII.GetBytes(root.CertificatePem + deviceCa.CertificatePem), AtomicFile.PublicMode);
        var inventory = new Inventory { CrlNumber = 0 };
        CrlPublisher.Publish(layout, inventory, now);
        staging.Commit();
    }

    /// <summary>
    /// Issues the broker-admin identity into a PKI folder made before it existed (by the Device CA, 2 years). Never
    /// overwrites: an existing certificate or key is an error.
    /// </summary>
    /// <exception cref="FleetException">Not a PKI folder, locked, or the identity exists.</exception>
    public static void IssueAdmin(PkiLayout pki, DateTimeOffset now)
    {
        pki.RequireExisting();
        using (PkiLock.Acquire(pki))
        {
            AtomicFile.RefuseExisting(pki.AdminCertificate);
            AtomicFile.RefuseExisting(pki.AdminKey);
            using IssuedCertificate deviceCa = CertificateAuthority.Load(pki.DeviceCaCertificate, pki.DeviceCaKey);
            using IssuedCertificate admin = CertificateAuthority.CreateClient(deviceCa, Broker.BrokerRights.AdminUser, now.AddMinutes(-5), now.AddYears(2));
            CertificateAuthority.Write(admin, pki.AdminCertificate, pki.AdminKey);
        }
    }
}
