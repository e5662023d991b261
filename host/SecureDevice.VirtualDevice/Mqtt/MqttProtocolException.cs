using System;

namespace SecureDevice.VirtualDevice.Mqtt;

/// <summary>The broker sent something MQTT 3.1.1 does not allow; the connection is closed.</summary>
public sealed class MqttProtocolException : Exception
{
    public MqttProtocolException(string message)
        : base(message)
    {
    }
}
