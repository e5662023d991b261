using nanoFramework.TestFramework;
using SecureDevice.Core.Connectivity;
using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Tests.Connectivity
{
    [TestClass]
    public class ConnackClassifierTests
    {
        // MQTT 3.1.1 §3.2.2.3.
        [DataRow(0, (int)ConnectFailure.None)]
        [DataRow(1, (int)ConnectFailure.Refused)]
        [DataRow(2, (int)ConnectFailure.Refused)]
        [DataRow(3, (int)ConnectFailure.Throttled)]
        [DataRow(4, (int)ConnectFailure.Authentication)]
        [DataRow(5, (int)ConnectFailure.Authentication)]
        [DataRow(6, (int)ConnectFailure.Refused)]
        public void FromMqtt311_MapsReturnCodes(int code, int expected)
        {
            Assert.AreEqual(expected, (int)ConnackClassifier.FromMqtt311(code));
        }

        // MQTT 5 §3.2.2.2: the three throttle hints, the authentication codes and others.
        [DataRow(0x00, (int)ConnectFailure.None)]
        [DataRow(0x80, (int)ConnectFailure.Refused)]
        [DataRow(0x86, (int)ConnectFailure.Authentication)]
        [DataRow(0x87, (int)ConnectFailure.Authentication)]
        [DataRow(0x89, (int)ConnectFailure.Throttled)]
        [DataRow(0x97, (int)ConnectFailure.Throttled)]
        [DataRow(0x9F, (int)ConnectFailure.Throttled)]
        [DataRow(0x85, (int)ConnectFailure.Refused)]
        public void FromMqtt5_MapsReasonCodes(int code, int expected)
        {
            Assert.AreEqual(expected, (int)ConnackClassifier.FromMqtt5(code));
        }
    }
}
