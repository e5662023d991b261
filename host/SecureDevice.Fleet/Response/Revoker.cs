using System;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Fleet.Response;

/// <summary>Revokes a device certificate: <see cref="Revocation.Revoke"/> (inventory and CRL, crash-safe) here; a CA service later.</summary>
public interface IRevoker
{
    /// <exception cref="FleetException">Busy (another PKI command holds the lock), unknown device, or a PKI file problem.</exception>
    RevocationResult Revoke(string deviceId, DateTimeOffset now);
}

/// <summary>
/// <see cref="IRevoker"/> over a PKI folder, reloading the broker with <paramref name="reload"/> (SIGHUP: mosquitto re-reads
/// its CRL only then, with or without the dynamic-security plugin).
/// </summary>
public sealed class PkiRevoker(PkiLayout pki, IBrokerReload reload) : IRevoker
{
    public RevocationResult Revoke(string deviceId, DateTimeOffset now) => Revocation.Revoke(pki, deviceId, now, reload);
}
