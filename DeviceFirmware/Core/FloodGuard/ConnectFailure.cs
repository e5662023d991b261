namespace SecureDevice.Core.FloodGuard
{
    /// <summary>Why a connection attempt failed; the reconnect policy treats the classes differently.</summary>
    public enum ConnectFailure
    {
        /// <summary>No failure.</summary>
        None = 0,

        /// <summary>DNS, TCP connect, timeouts, lost link: ordinary exponential backoff.</summary>
        Network = 1,

        /// <summary>TLS failed on the device's side (server certificate wrong host, unpinned CA, handshake error).</summary>
        Tls = 2,

        /// <summary>
        /// The broker rejected this device's identity: client certificate refused in the handshake, or CONNACK "not
        /// authorised" / "bad credentials". Retrying cannot help until an operator acts, so the authentication breaker
        /// applies a long, growing cool-down.
        /// </summary>
        Authentication = 3,

        /// <summary>The broker refused for another reason (protocol, identifier, unavailable without a hint).</summary>
        Refused = 4,

        /// <summary>The broker asked clients to slow down (MQTT 5: 0x89 server busy, 0x97 quota exceeded, 0x9F connection rate exceeded; MQTT 3.1.1: 3 server unavailable).</summary>
        Throttled = 5,
    }
}
