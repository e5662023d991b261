namespace SecureDevice.Fleet.Response;

/// <summary>The response ladder's steps (docs/response.md). Every one is audited; all but <see cref="Revoke"/> can be undone by <see cref="Lift"/>.</summary>
public enum ActionKind
{
    /// <summary>A throttle command on the device's down topic: it can only slow the device down.</summary>
    Throttle,

    /// <summary>The device's broker role replaced by the quarantine role, and its connection ended.</summary>
    Quarantine,

    /// <summary>Back to normal: a command that ends the throttle, and the device's own role again.</summary>
    Lift,

    /// <summary>The certificate revoked (inventory and CRL), the broker reloaded and the device's broker client deleted. Never undone.</summary>
    Revoke,
}

/// <summary>Where an action stands. An action is audited twice: <see cref="Started"/> before anything is done, then its end.</summary>
public enum ActionOutcome
{
    /// <summary>Recorded before acting: an action whose end is missing from the audit was interrupted (a crash).</summary>
    Started,

    /// <summary>Every part of the action took effect.</summary>
    Done,

    /// <summary>The action did not take effect, or only in part (<see cref="ActionRecord.Detail"/> says which).</summary>
    Failed,
}

/// <summary>Why an action ended as it did.</summary>
public enum ActionStatus
{
    /// <summary>Done.</summary>
    Done,

    /// <summary>The request itself is unusable: a device id, actor, reason or throttle outside the documented limits. Nothing was done or audited.</summary>
    InvalidRequest,

    /// <summary>No such device in the registry.</summary>
    UnknownDevice,

    /// <summary>The device is revoked: only <see cref="ActionKind.Revoke"/> (already done) applies to it.</summary>
    DeviceRevoked,

    /// <summary>The broker could not be reached (or did not answer in time).</summary>
    BrokerUnreachable,

    /// <summary>The broker refused: the identity lacks the right, or the dynamic-security plugin answered an error.</summary>
    BrokerRefused,

    /// <summary>The PKI folder is locked by another command; repeat later.</summary>
    PkiBusy,

    /// <summary>The PKI folder could not be updated (missing, corrupt, unwritable).</summary>
    PkiFailed,

    /// <summary>The audit could not be written. Before acting: nothing was done. After acting: the action took effect but its end is not recorded.</summary>
    AuditUnavailable,
}
