using nanoFramework.TestFramework;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.Connectivity
{
    [TestClass]
    public class TransportFailureTests
    {
        // signal, TLS 1.3, ms since CONNECT, expected class; the CONNACK timeout is 10,000 ms.
        [TestMethod]
        [DataRow((int)TransportSignal.Other, false, 0, (int)ConnectFailure.Network)]
        [DataRow((int)TransportSignal.ResolveFailed, true, 0, (int)ConnectFailure.Network)]
        [DataRow((int)TransportSignal.NetworkError, true, 0, (int)ConnectFailure.Network)]
        [DataRow((int)TransportSignal.OutOfMemory, true, 0, (int)ConnectFailure.Network)]
        [DataRow((int)TransportSignal.HandshakeTimedOut, true, 0, (int)ConnectFailure.Network)]
        [DataRow((int)TransportSignal.BrokerCertificateRejected, true, 0, (int)ConnectFailure.Tls)]
        [DataRow((int)TransportSignal.HandshakeFailed, false, 0, (int)ConnectFailure.Tls)]
        [DataRow((int)TransportSignal.TlsAlertReceived, false, 0, (int)ConnectFailure.Authentication)]
        [DataRow((int)TransportSignal.UnexpectedPacket, true, 0, (int)ConnectFailure.Refused)]
        [DataRow((int)TransportSignal.NoConnack, true, 30, (int)ConnectFailure.Authentication)]
        [DataRow((int)TransportSignal.NoConnack, true, 9999, (int)ConnectFailure.Authentication)]
        [DataRow((int)TransportSignal.NoConnack, true, 10000, (int)ConnectFailure.Network)]
        [DataRow((int)TransportSignal.NoConnack, true, -1, (int)ConnectFailure.Network)]
        [DataRow((int)TransportSignal.NoConnack, false, 30, (int)ConnectFailure.Network)]
        public void Classify_Signal_FailureClass(int signal, bool tls13, int elapsedMs, int expected)
        {
            ConnectFailure failure = TransportFailure.Classify((TransportSignal)signal, tls13, elapsedMs, 10000);
            Assert.AreEqual(expected, (int)failure);
        }

        [TestMethod]
        [DataRow(10061, (int)TransportSignal.NetworkError)]
        [DataRow(0, (int)TransportSignal.NetworkError)]
        [DataRow(-0x8000, (int)TransportSignal.NetworkError)]
        [DataRow(-2147467259, (int)TransportSignal.NetworkError)]
        [DataRow(-0x7780, (int)TransportSignal.TlsAlertReceived)]
        [DataRow(-0x7200, (int)TransportSignal.HandshakeFailed)]
        [DataRow(-1, (int)TransportSignal.HandshakeFailed)]
        [DataRow(-0x7FFF, (int)TransportSignal.HandshakeFailed)]
        public void FromSocketCode_Code_Signal(int code, int expected)
        {
            TransportSignal signal = TransportFailure.FromSocketCode(code);
            Assert.AreEqual(expected, (int)signal);
        }
    }
}
