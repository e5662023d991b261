namespace SecureDevice.Fleet.Broker;

/// <summary>How an exchange with the broker ended (the dynamic-security administrator, a command publisher).</summary>
public enum BrokerAccessStatus
{
    /// <summary>Done: the broker accepted every command (or the publish).</summary>
    Done,

    /// <summary>No connection: TCP refused, TLS failed (certificate not trusted, wrong name) or no CONNACK in time.</summary>
    Unreachable,

    /// <summary>The broker refused the identity or the operation (CONNACK, SUBACK or PUBACK "not authorised").</summary>
    NotAuthorized,

    /// <summary>Connected and sent, but no answer within the endpoint's timeout.</summary>
    Timeout,

    /// <summary>The dynamic-security plugin answered with an error for a command (the detail quotes it).</summary>
    Rejected,
}
