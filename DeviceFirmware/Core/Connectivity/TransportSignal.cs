namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// What a transport adapter observed when a connection attempt failed, before any CONNACK: the adapter translates its
    /// library's exceptions into one of these and <see cref="TransportFailure.Classify"/> decides the failure class, so
    /// the device and the virtual device decide alike and the decision is tested.
    /// </summary>
    public enum TransportSignal
    {
        /// <summary>Anything the adapter cannot place: treated as a network failure.</summary>
        Other = 0,

        /// <summary>The broker's name did not resolve.</summary>
        ResolveFailed = 1,

        /// <summary>A TCP-level error (refused, reset, unreachable) before the TLS handshake completed.</summary>
        NetworkError = 2,

        /// <summary>No memory for a TLS context at this moment.</summary>
        OutOfMemory = 3,

        /// <summary>The device's own validation refused the broker's certificate.</summary>
        BrokerCertificateRejected = 4,

        /// <summary>The broker sent a fatal TLS alert during the handshake (it refused our certificate).</summary>
        TlsAlertReceived = 5,

        /// <summary>The TLS handshake failed otherwise (including the connection closing during it).</summary>
        HandshakeFailed = 6,

        /// <summary>The TCP connect or TLS handshake did not finish within its time.</summary>
        HandshakeTimedOut = 7,

        /// <summary>After the handshake the broker answered CONNECT with a packet other than CONNACK.</summary>
        UnexpectedPacket = 8,

        /// <summary>After the handshake the connection ended, or stayed silent, without a CONNACK.</summary>
        NoConnack = 9,
    }
}
