using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// Failure class of a connection attempt that ended before a CONNACK, for the reconnect policy (which backs off
    /// longer after authentication failures). Pure; the transport adapters only translate exceptions into
    /// <see cref="TransportSignal"/> values. A CONNACK's own code is <see cref="ConnackClassifier"/>'s.
    /// </summary>
    public static class TransportFailure
    {
        /// <summary>
        /// mbedTLS MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: the peer sent a fatal alert during the handshake. nanoFramework
        /// firmware built before nf-interpreter #3468 reports handshake failures as a socket error carrying this code.
        /// </summary>
        public const int MbedTlsFatalAlert = -0x7780;

        /// <summary>
        /// Signal of a socket error code seen while connecting: TCP errors are positive (WSA-style) codes, and runtime
        /// HRESULTs are -0x8000 or below, both <see cref="TransportSignal.NetworkError"/>; an mbedTLS code (-0x0001 to
        /// -0x7FFF) is a handshake failure, and <see cref="MbedTlsFatalAlert"/> an alert from the broker.
        /// </summary>
        public static TransportSignal FromSocketCode(int code)
        {
            if (code >= 0 || code <= -0x8000)
            {
                return TransportSignal.NetworkError;
            }

            return code == MbedTlsFatalAlert ? TransportSignal.TlsAlertReceived : TransportSignal.HandshakeFailed;
        }

        /// <summary>
        /// Decides the failure class. <paramref name="tls13"/>: the attempt used TLS 1.3, where a broker that refuses the
        /// client certificate completes the handshake and then closes the connection, so a connection that ends after the
        /// handshake sooner than <paramref name="connackTimeoutMs"/> (ms since CONNECT was sent:
        /// <paramref name="elapsedMs"/>) is authentication; one that waited the whole timeout is network.
        /// </summary>
        public static ConnectFailure Classify(TransportSignal signal, bool tls13, long elapsedMs, long connackTimeoutMs)
        {
            switch (signal)
            {
                case TransportSignal.BrokerCertificateRejected:
                case TransportSignal.HandshakeFailed:
                    return ConnectFailure.Tls;
                case TransportSignal.TlsAlertReceived:
                    return ConnectFailure.Authentication;
                case TransportSignal.UnexpectedPacket:
                    return ConnectFailure.Refused;
                case TransportSignal.NoConnack:
                    return tls13 && elapsedMs >= 0 && elapsedMs < connackTimeoutMs ? ConnectFailure.Authentication : ConnectFailure.Network;
                default:
                    // Name resolution, TCP errors, no memory for TLS right now, timeouts: retry with the ordinary backoff.
                    return ConnectFailure.Network;
            }
        }
    }
}
