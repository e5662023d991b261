using System;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Pki;

/// <summary>What <see cref="CrlPublisher.Reconcile"/> found.</summary>
public enum CrlState
{
    /// <summary>crl.pem matches the inventory: same number, every revoked serial on it.</summary>
    Current,

    /// <summary>crl.pem was behind the inventory (a crash between the two renames, or a deleted CRL) and was re-issued.</summary>
    Repaired,
}

/// <summary>
/// Writes the pair inventory.json + crl.pem so that no crash loses a revocation and nothing is ever un-revoked
/// (docs/revocation.md):
/// <list type="number">
/// <item>the new CRL is the current crl.pem plus every serial the inventory marks revoked; a serial on the current CRL
/// whose inventory entry says active (an inventory restored from an older backup) stays revoked, and the inventory is
/// corrected, never the CRL;</item>
/// <item>its number is one more than the larger of the inventory's and the current CRL's numbers;</item>
/// <item>both files are written to temporary files and flushed (fsync); then inventory.json is renamed into place and
/// the folder flushed, then crl.pem, and the folder flushed again.</item>
/// </list>
/// A crash before the first rename leaves the old pair; after it, an inventory ahead of its CRL, which
/// <see cref="Reconcile"/> (run under the PKI lock by every command that changes the folder) detects and finishes by
/// issuing the CRL again. The broker reads only crl.pem, which is replaced by rename: it never sees a partial file.
/// </summary>
public static class CrlPublisher
{
    /// <summary>CRLs are issued for a year; re-issue with 'securedevice pki crl' before that (an expired CRL locks every device out).</summary>
    public static readonly TimeSpan CrlValidity = TimeSpan.FromDays(365);

    [ThreadStatic]
    private static Action<string>? t_crashPoint;

    /// <summary>Test hook (this thread only): called with "temporaries-written" and "inventory-renamed"; throwing there simulates a crash.</summary>
    internal static Action<string>? CrashPoint
    {
        get => t_crashPoint;
        set => t_crashPoint = value;
    }

    /// <summary>Issues the next CRL from <paramref name="inventory"/> and saves both files (the caller holds the PKI lock).</summary>
    /// <returns>The new CRL number (also stored in the inventory).</returns>
    public static long Publish(PkiLayout pki, Inventory inventory, DateTimeOffset now)
    {
        using IssuedCertificate deviceCa = CertificateAuthority.Load(pki.DeviceCaCertificate, pki.DeviceCaKey);
        CertificateRevocationListBuilder builder = LoadCurrent(pki, out BigInteger currentNumber);
        foreach (InventoryEntry device in inventory.Devices)
        {
            byte[] serial = Convert.FromHexString(device.Serial);
            bool wasOnCrl = builder.RemoveEntry(serial);
            if (device.Status == DeviceStatus.Active && wasOnCrl)
            {
                // Never un-revoke: the CRL already said so, the inventory is older than it.
                device.Status = DeviceStatus.Revoked;
                device.Revoked ??= now;
            }

            if (device.Status == DeviceStatus.Revoked)
            {
                builder.AddEntry(serial, device.Revoked ?? now, X509RevocationReason.CessationOfOperation);
            }
        }

        BigInteger next = BigInteger.Max(currentNumber, inventory.CrlNumber) + 1;
        if (next > Inventory.MaxCrlNumber)
        {
            throw new FleetException(FleetError.CorruptState, "the CRL number would pass " + Inventory.MaxCrlNumber + "; the PKI folder " + pki.Folder + " needs attention");
        }

        inventory.CrlNumber = (long)next;
        string pem = CertificateAuthority.BuildCrlPem(deviceCa, builder, inventory.CrlNumber, now, now + CrlValidity);
        string inventoryTemporary = AtomicFile.WriteTemporary(pki.Inventory, inventory.Serialize(), AtomicFile.PublicMode);
        string crlTemporary = string.Empty;
        try
        {
            crlTemporary = AtomicFile.WriteTemporary(pki.Crl, Encoding.ASCII.GetBytes(pem), AtomicFile.PublicMode);
            CrashPoint?.Invoke("temporaries-written");
            AtomicFile.Commit(inventoryTemporary, pki.Inventory);
            CrashPoint?.Invoke("inventory-renamed");
            AtomicFile.Commit(crlTemporary, pki.Crl);
        }
        finally
        {
            AtomicFile.DeleteQuietly(inventoryTemporary);
            if (crlTemporary.Length > 0)
            {
                AtomicFile.DeleteQuietly(crlTemporary);
            }
        }

        return inventory.CrlNumber;
    }

    /// <summary>
    /// Finishes an interrupted publication: when crl.pem is missing, older than the inventory, or lacks a serial the
    /// inventory marks revoked, a new CRL is issued. Call under the PKI lock before changing anything.
    /// </summary>
    public static CrlState Reconcile(PkiLayout pki, Inventory inventory, DateTimeOffset now)
    {
        bool behind = SafeFileReader.KindOf(pki.Crl) == FileKind.Missing;
        if (!behind)
        {
            CertificateRevocationListBuilder current = LoadCurrent(pki, out BigInteger number);
            behind = number < inventory.CrlNumber;
            foreach (InventoryEntry device in inventory.Devices)
            {
                bool listed = current.RemoveEntry(Convert.FromHexString(device.Serial));
                behind |= listed != (device.Status == DeviceStatus.Revoked);
            }
        }

        if (!behind)
        {
            return CrlState.Current;
        }

        Publish(pki, inventory, now);
        return CrlState.Repaired;
    }

    private static CertificateRevocationListBuilder LoadCurrent(PkiLayout pki, out BigInteger number)
    {
        number = BigInteger.Zero;
        if (SafeFileReader.KindOf(pki.Crl) == FileKind.Missing)
        {
            return new CertificateRevocationListBuilder();
        }

        string pem = Encoding.ASCII.GetString(SafeFileReader.Read(pki.Crl, CertificateAuthority.MaxPemBytes, "CRL"));
        try
        {
            return CertificateRevocationListBuilder.LoadPem(pem, out number);
        }
        catch (CryptographicException error)
        {
            throw new FleetException(FleetError.CorruptState, "the CRL " + pki.Crl + " is malformed; restore it from a backup (deleting it would forget who is revoked only if the inventory was lost too)", error);
        }
    }
}
