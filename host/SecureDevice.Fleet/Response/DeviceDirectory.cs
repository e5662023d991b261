using SecureDevice.Fleet.Pki;

namespace SecureDevice.Fleet.Response;

/// <summary>What the response layer needs to know of a device: its owner (the customer alerted) and whether it is revoked.</summary>
public sealed record DeviceInfo(string Id, string? Owner, DeviceStatus Status);

/// <summary>The device registry as the response layer reads it: the PKI inventory here, the service's database later.</summary>
public interface IDeviceDirectory
{
    /// <summary>The device with <paramref name="deviceId"/>, or null.</summary>
    DeviceInfo? Find(string deviceId);
}

/// <summary><see cref="IDeviceDirectory"/> over a PKI folder's inventory.json, read at each look-up (it changes under other commands).</summary>
public sealed class InventoryDeviceDirectory : IDeviceDirectory
{
    private readonly PkiLayout _pki;

    public InventoryDeviceDirectory(PkiLayout pki) => _pki = pki;

    /// <exception cref="FleetException">The inventory is missing or corrupt.</exception>
    public DeviceInfo? Find(string deviceId)
    {
        InventoryEntry? entry = Inventory.Load(_pki.Inventory).Find(deviceId);
        return entry == null ? null : new DeviceInfo(entry.Id, entry.Owner, entry.Status);
    }
}
