namespace SecureDevice.VirtualDevice.Mqtt;

/// <summary>MQTT 3.1.1 control packet types (§2.2.1).</summary>
public enum MqttPacketType
{
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
}

/// <summary>A decoded packet from the broker. Only the fields of its type are set.</summary>
public sealed class MqttPacket
{
    public MqttPacketType Type { get; init; }

    /// <summary>CONNACK session-present flag.</summary>
    public bool SessionPresent { get; init; }

    /// <summary>CONNACK return code.</summary>
    public int ReturnCode { get; init; }

    /// <summary>PUBLISH, PUBACK, SUBACK packet identifier.</summary>
    public int PacketId { get; init; }

    /// <summary>PUBLISH QoS.</summary>
    public int Qos { get; init; }

    /// <summary>PUBLISH retain flag.</summary>
    public bool Retain { get; init; }

    /// <summary>PUBLISH DUP flag.</summary>
    public bool Duplicate { get; init; }

    /// <summary>PUBLISH topic.</summary>
    public string Topic { get; init; } = string.Empty;

    /// <summary>PUBLISH payload.</summary>
    public byte[] Payload { get; init; } = System.Array.Empty<byte>();

    /// <summary>SUBACK return codes.</summary>
    public byte[] GrantedQos { get; init; } = System.Array.Empty<byte>();

    /// <summary>Whole packet size on the wire.</summary>
    public int WireLength { get; init; }
}
