using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Core.Connectivity
{
    /// <summary>Maps broker answers to the failure classes the reconnect policy distinguishes.</summary>
    public static class ConnackClassifier
    {
        /// <summary>MQTT 3.1.1 CONNACK return code (§3.2.2.3) to a failure class; 0 is <see cref="ConnectFailure.None"/>.</summary>
        public static ConnectFailure FromMqtt311(int returnCode)
        {
            switch (returnCode)
            {
                case 0:
                    return ConnectFailure.None;
                case 3:
                    return ConnectFailure.Throttled;
                case 4:
                case 5:
                    return ConnectFailure.Authentication;
                default:
                    return ConnectFailure.Refused;
            }
        }

        /// <summary>MQTT 5 CONNACK reason code (§3.2.2.2) to a failure class; below 0x80 is <see cref="ConnectFailure.None"/>.</summary>
        public static ConnectFailure FromMqtt5(int reasonCode)
        {
            if (reasonCode < 0x80)
            {
                return ConnectFailure.None;
            }

            switch (reasonCode)
            {
                case 0x86:
                case 0x87:
                case 0x8C:
                    return ConnectFailure.Authentication;
                case 0x88:
                case 0x89:
                case 0x97:
                case 0x9F:
                    return ConnectFailure.Throttled;
                default:
                    return ConnectFailure.Refused;
            }
        }
    }
}
