using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using SecureDevice.Tool.Cli;
using SecureDevice.Tool.Files;

namespace SecureDevice.Tool.Pki;

/// <summary>Creates a development PKI folder and maintains its CRL.</summary>
public static class Pki
{
    /// <summary>CRLs are issued for a year; re-issue with 'securedevice pki crl' before that (an expired CRL locks every device out).</summary>
    public static readonly TimeSpan CrlValidity = TimeSpan.FromDays(365);

    public static void Init(string folder, IReadOnlyList<string> brokerNames, IReadOnlyList<IPAddress> brokerAddresses, DateTimeOffset now)
    {
        string full = Path.GetFullPath(folder);
        if (Directory.Exists(full))
        {
            if (Directory.EnumerateFileSystemEntries(full).Any())
            {
                throw new ToolException("refusing to write into non-empty " + full);
            }

            Directory.Delete(full);
        }

        using var staging = new StagingDirectory(full);
        var layout = new PkiLayout(staging.Path);
        DateTimeOffset start = now.AddMinutes(-5);
        using IssuedCertificate root = CertificateAuthority.CreateRoot("SecureDevice Root CA", start, now.AddYears(10));
        using IssuedCertificate deviceCa = CertificateAuthority.CreateIntermediate(root, "SecureDevice Device CA", start, now.AddYears(5));
        using IssuedCertificate broker = CertificateAuthority.CreateServer(root, brokerNames.Count > 0 ? brokerNames[0] : "broker", brokerNames, brokerAddresses, start, now.AddYears(2));
        using IssuedCertificate service = CertificateAuthority.CreateClient(deviceCa, "service", start, now.AddYears(2));
        using IssuedCertificate fleetOperator = CertificateAuthority.CreateClient(deviceCa, "operator", start, now.AddYears(2));
        CertificateAuthority.Write(root, layout.RootCertificate, layout.RootKey);
        CertificateAuthority.Write(deviceCa, layout.DeviceCaCertificate, layout.DeviceCaKey);
        CertificateAuthority.Write(broker, layout.BrokerCertificate, layout.BrokerKey);
        CertificateAuthority.Write(service, layout.ServiceCertificate, layout.ServiceKey);
        CertificateAuthority.Write(fleetOperator, layout.OperatorCertificate, layout.OperatorKey);
        SafeFile.WriteNew(layout.ClientCaBundle, Encoding.ASCII.GetBytes(root.CertificatePem + deviceCa.CertificatePem), SafeFile.PublicMode);
        var inventory = new Inventory { CrlNumber = 1 };
        SafeFile.WriteNew(layout.Crl, Encoding.ASCII.GetBytes(CertificateAuthority.CreateCrlPem(deviceCa, Array.Empty<(string, DateTimeOffset)>(), 1, now, now + CrlValidity)), SafeFile.PublicMode);
        SafeFile.WriteNew(layout.Inventory, inventory.Serialize(), SafeFile.PublicMode);
        staging.Commit();
    }

    /// <summary>Re-issues crl.pem from the inventory (atomically replaced) with the next CRL number.</summary>
    public static long RegenerateCrl(PkiLayout pki, Inventory inventory, DateTimeOffset now)
    {
        using IssuedCertificate deviceCa = CertificateAuthority.Load(pki.DeviceCaCertificate, pki.DeviceCaKey);
        inventory.CrlNumber++;
        var revoked = inventory.Devices.Where(d => d.Status == "revoked").Select(d => (d.Serial, d.Revoked ?? now));
        string pem = CertificateAuthority.CreateCrlPem(deviceCa, revoked, inventory.CrlNumber, now, now + CrlValidity);

        // The broker reads the CRL on SIGHUP and fails open on a partial file: replace it by rename, never in place.
        string temporary = pki.Crl + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, pem);
        File.Move(temporary, pki.Crl, overwrite: true);
        inventory.Save(pki.Inventory);
        return inventory.CrlNumber;
    }
}
