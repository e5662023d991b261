using SecureDevice.Core.Bundle;
using SecureDevice.Core.Config;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Support
{
    /// <summary>Device configs for tests, parsed from JSON by the real parser.</summary>
    public static class TestConfig
    {
        /// <summary>2026-11-22T10:00:00Z.</summary>
        public const long Utc = 1795341600;

        /// <summary>The config text for <paramref name="deviceId"/>.</summary>
        public static string Json(string deviceId)
        {
            return "{\"format\":1,\"deviceId\":\"" + deviceId + "\",\"product\":\"sensor\",\"hardware\":\"esp32-devkitc\","
                + "\"broker\":{\"host\":\"broker.example.com\",\"port\":8883},\"topicPrefix\":\"devices\",\"telemetryIntervalS\":300,"
                + "\"keepAliveS\":60,\"certificateNotAfter\":\"2028-11-21T10:00:00Z\"}";
        }

        /// <summary>A parsed config for <paramref name="deviceId"/>.</summary>
        public static DeviceConfig Create(string deviceId)
        {
            byte[] data = TestBytes.Utf8(Json(deviceId));
            DeviceConfig config;
            DocumentStatus status = new DeviceConfigParser().TryParse(data, 0, data.Length, out config);
            if (status != DocumentStatus.Valid)
            {
                throw new System.InvalidOperationException("test config does not parse");
            }

            return config;
        }
    }
}
