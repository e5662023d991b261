using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Lab.Ingest;

/// <summary>A device identity held in memory: its id, owner and certificate with private key.</summary>
public sealed record EnrolledDevice(string Id, string? Owner, X509Certificate2 Certificate);

/// <summary>
/// Enrols many virtual devices at once for load and ingest tests: certificates issued from the PKI's device CA and
/// kept in memory (no key ever written), all added to the inventory in one write under the PKI lock. The inventory
/// entries are the ones <c>provision</c> writes; what is skipped is the per-device files for nanoff, which a virtual
/// device does not need (and which make provisioning thousands of devices one at a time slow).
/// </summary>
public static class DeviceEnrollment
{
    /// <summary>Enrols <paramref name="ids"/>, owned by <paramref name="owner"/>(id) (null: no owner).</summary>
    /// <exception cref="FleetException">An id is taken or not a device id, or the PKI is unusable.</exception>
    public static IReadOnlyList<EnrolledDevice> Enroll(PkiLayout pki, IReadOnlyList<string> ids, Func<string, string?> owner, DateTimeOffset now)
    {
        using IDisposable locked = PkiLock.Acquire(pki);
        Inventory inventory = Inventory.Load(pki.Inventory);
        using IssuedCertificate deviceCa = CertificateAuthority.Load(pki.DeviceCaCertificate, pki.DeviceCaKey);
        var enrolled = new List<EnrolledDevice>(ids.Count);
        foreach (string id in ids)
        {
            if (!SecureDevice.Core.Text.SafeName.IsDeviceId(id) || inventory.Find(id) != null)
            {
                throw new FleetException(FleetError.AlreadyExists, "device id " + id + " is not a device id or is taken");
            }

            using IssuedCertificate issued = CertificateAuthority.CreateClient(deviceCa, id, now.AddMinutes(-5), now.AddYears(1));
            inventory.Devices.Add(new InventoryEntry
            {
                Id = id,
                Owner = owner(id),
                Serial = issued.Certificate.SerialNumber,
                Sha256 = Convert.ToHexStringLower(SHA256.HashData(issued.Certificate.RawData)),
                NotAfter = issued.Certificate.NotAfter.ToUniversalTime(),
                Provisioned = now,
                Status = DeviceStatus.Active,
            });
            enrolled.Add(new EnrolledDevice(id, owner(id), issued.Certificate.CopyWithPrivateKey(issued.Key)));
        }

        inventory.Save(pki.Inventory);
        return enrolled;
    }
}
