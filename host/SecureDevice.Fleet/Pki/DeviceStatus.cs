namespace SecureDevice.Fleet.Pki;

/// <summary>
/// A device certificate's standing in the PKI inventory, the CRL's source of truth. Service-side states (throttled,
/// quarantined) belong to the fleet service's registry, not here: only revocation changes what the broker accepts.
/// Written to inventory.json as "active" / "revoked".
/// </summary>
public enum DeviceStatus
{
    /// <summary>Issued and not revoked: the broker accepts the certificate until it expires.</summary>
    Active,

    /// <summary>On the CRL: the broker refuses the certificate from its next reload on. Never undone.</summary>
    Revoked,
}
