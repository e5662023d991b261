using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Fleet.Broker;

/// <summary>What a device may do at the broker, as the dynamic-security plugin holds it.</summary>
public enum DeviceAccess
{
    /// <summary>No client of that name: it connects (its certificate is valid) but has no right at all (mosquitto issue 2999).</summary>
    Unregistered,

    /// <summary>The client holds exactly its own role <c>device:ID</c>.</summary>
    Normal,

    /// <summary>The client holds the quarantine role.</summary>
    Quarantined,

    /// <summary>Any other set of roles (changed by hand): neither normal nor quarantined.</summary>
    Other,
}

/// <summary>The outcome of a change at the broker: a status and a one-line detail (it may quote the plugin's error).</summary>
public sealed record BrokerAccessResult(BrokerAccessStatus Status, string Detail)
{
    public bool Succeeded => Status == BrokerAccessStatus.Done;

    /// <summary>
    /// The broker's PUBACK reason code when it answered a publish (null: no PUBACK, e.g. no connection, no answer, the
    /// identity refused at CONNACK). Lets a caller tell a refusal of this one message (not authorised for the topic,
    /// topic invalid) from a broker that asks to try later (quota exceeded).
    /// </summary>
    public MQTTnet.MqttClientPublishReasonCode? PublishReason { get; init; }
}

/// <summary>What <see cref="IBrokerAccessControl.SyncAsync"/> changed.</summary>
public sealed record BrokerSyncResult(BrokerAccessStatus Status, string Detail, IReadOnlyList<string> Registered, IReadOnlyList<string> Removed);

/// <summary>
/// Per-device rights at the broker (the response layer's quarantine and revocation, the registry's registration).
/// <see cref="DynamicSecurityAdmin"/> implements it over mosquitto's control topic; tests use an in-memory one. Every
/// operation is idempotent, so a caller may repeat one whose answer it did not get.
/// </summary>
public interface IBrokerAccessControl
{
    /// <summary>Gives devices that have no client yet their client and role; never touches an existing client (a quarantine stays).</summary>
    Task<BrokerAccessResult> RegisterAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellation = default);

    /// <summary>Replaces the device's roles by the quarantine role and disconnects it (a client that did not exist is created quarantined).</summary>
    Task<BrokerAccessResult> QuarantineAsync(string deviceId, CancellationToken cancellation = default);

    /// <summary>Gives the device back exactly its own role (creating client or role when missing) and disconnects it so it reconnects with it.</summary>
    Task<BrokerAccessResult> ReleaseAsync(string deviceId, CancellationToken cancellation = default);

    /// <summary>Deletes the device's client and role (revocation): it is disconnected and, whatever the CRL says, has no right.</summary>
    Task<BrokerAccessResult> RemoveAsync(string deviceId, CancellationToken cancellation = default);

    /// <summary>What the device holds now.</summary>
    Task<(BrokerAccessResult Result, DeviceAccess Access)> GetAsync(string deviceId, CancellationToken cancellation = default);

    /// <summary>Registers every active device of <paramref name="inventory"/> that has no client and removes the clients of revoked or unknown devices.</summary>
    Task<BrokerSyncResult> SyncAsync(Pki.Inventory inventory, CancellationToken cancellation = default);
}
