using System;
using SecureDevice.Fleet.Broker;

namespace SecureDevice.Fleet.Pki;

/// <summary>What <see cref="Revocation.Revoke"/> did.</summary>
public enum RevocationOutcome
{
    /// <summary>The device is now revoked and a new CRL was issued.</summary>
    Revoked,

    /// <summary>The device was revoked before; the CRL was checked (and re-issued if a crash had left it behind).</summary>
    AlreadyRevoked,
}

/// <summary>Outcome of a revocation.</summary>
public sealed record RevocationResult(RevocationOutcome Outcome, InventoryEntry Device, long CrlNumber, string CrlPath);

/// <summary>Revokes a device certificate: inventory and CRL as a crash-safe pair (<see cref="CrlPublisher"/>), then the broker reload.</summary>
public static class Revocation
{
    /// <summary>Revokes <paramref name="deviceId"/> and, when <paramref name="broker"/> is given, makes the broker load the new CRL.</summary>
    /// <exception cref="FleetException">Not a PKI folder, locked, the device unknown, or a corrupt state file.</exception>
    public static RevocationResult Revoke(PkiLayout pki, string deviceId, DateTimeOffset now, IBrokerReload? broker = null)
    {
        RevocationResult result;
        using (PkiLock.Acquire(pki))
        {
            Inventory inventory = Inventory.Load(pki.Inventory);
            InventoryEntry entry = inventory.Find(deviceId)
                ?? throw new FleetException(FleetError.NotFound, "device " + deviceId + " is not in the inventory");
            if (entry.Status == DeviceStatus.Revoked)
            {
                CrlPublisher.Reconcile(pki, inventory, now);
                result = new RevocationResult(RevocationOutcome.AlreadyRevoked, entry, inventory.CrlNumber, pki.Crl);
            }
            else
            {
                entry.Status = DeviceStatus.Revoked;
                entry.Revoked = now;
                long number = CrlPublisher.Publish(pki, inventory, now);
                result = new RevocationResult(RevocationOutcome.Revoked, entry, number, pki.Crl);
            }
        }

        broker?.Reload();
        return result;
    }

    /// <summary>Re-issues the CRL with the next number (do it well before the current one expires).</summary>
    public static long ReissueCrl(PkiLayout pki, DateTimeOffset now, IBrokerReload? broker = null)
    {
        long number;
        using (PkiLock.Acquire(pki))
        {
            number = CrlPublisher.Publish(pki, Inventory.Load(pki.Inventory), now);
        }

        broker?.Reload();
        return number;
    }
}
