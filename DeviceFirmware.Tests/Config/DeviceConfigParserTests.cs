using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Tests.Support;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Config
{
    [TestClass]
    public class DeviceConfigParserTests
    {
        [TestMethod]
        public void TryParse_ProvisionedConfig_ReadsEveryField()
        {
            DeviceConfig config = TestConfig.Create("dev-001");
            Assert.AreEqual("dev-001", config.DeviceId);
            Assert.AreEqual("sensor", config.Product);
            Assert.AreEqual("esp32-devkitc", config.Hardware);
            Assert.AreEqual("broker.example.com", config.BrokerHost);
            Assert.AreEqual(8883, config.BrokerPort);
            Assert.AreEqual("devices", config.TopicPrefix);
            Assert.AreEqual(300, config.TelemetryIntervalSeconds);
            Assert.AreEqual(60, config.KeepAliveSeconds);
            Assert.AreEqual(1858413600L, config.CertificateNotAfterUtc);
        }

        [DataRow("\"deviceId\":\"dev-001\"", "\"deviceId\":\"dev/001\"", "deviceId")]
        [DataRow("\"deviceId\":\"dev-001\"", "\"deviceId\":\"dev+\"", "deviceId")]
        [DataRow("\"host\":\"broker.example.com\"", "\"host\":\"broker example\"", "broker.host")]
        [DataRow("\"host\":\"broker.example.com\"", "\"host\":\"broker..example\"", "broker.host")]
        [DataRow("\"port\":8883", "\"port\":0", "broker.port")]
        [DataRow("\"port\":8883", "\"port\":70000", "broker.port")]
        [DataRow("\"telemetryIntervalS\":300", "\"telemetryIntervalS\":5", "telemetryIntervalS")]
        [DataRow("\"keepAliveS\":60", "\"keepAliveS\":0", "keepAliveS")]
        [DataRow("\"topicPrefix\":\"devices\"", "\"topicPrefix\":\"#\"", "topicPrefix")]
        [DataRow("\"format\":1", "\"format\":1,\"wifiPassword\":\"x\"", "wifiPassword")]
        [DataRow(",\"keepAliveS\":60", "", "keepAliveS")]
        public void TryParse_BadValues_AreRejectedByName(string oldText, string newText, string field)
        {
            string text = TestText.ReplaceFirst(TestConfig.Json("dev-001"), oldText, newText);
            DeviceConfigParser parser = new DeviceConfigParser();
            DeviceConfig config;
            byte[] data = TestBytes.Utf8(text);
            DocumentStatus status = parser.TryParse(data, 0, data.Length, out config);
            Assert.AreNotEqual((int)DocumentStatus.Valid, (int)status);
            Assert.AreEqual(field, parser.Reader.ErrorField);
            Assert.IsNull(config);
        }

        [DataRow("localhost", true)]
        [DataRow("127.0.0.1", true)]
        [DataRow("a-b.example", true)]
        [DataRow("", false)]
        [DataRow(".example", false)]
        [DataRow("example.", false)]
        [DataRow("ex ample", false)]
        [DataRow("ex_ample", false)]
        public void IsHostName_FollowsDnsLabels(string text, bool expected)
        {
            Assert.AreEqual(expected, DeviceConfigParser.IsHostName(text), text);
        }
    }
}
