namespace SecureDevice.Fleet.Broker;

/// <summary>
/// Makes a running broker re-read its CRL (and ACL). The reference broker is mosquitto, reloaded by SIGHUP
/// (<see cref="SignalBrokerReload"/>); a broker managed by a service manager or a dynamic-security plugin brings its own.
/// </summary>
public interface IBrokerReload
{
    /// <summary>Asks the broker to reload and returns when the request was delivered.</summary>
    /// <exception cref="FleetException">The broker could not be reached.</exception>
    void Reload();
}
