// The shape of nanoFramework.M2Mqtt.Core 5.1.220 (package nanoFramework.M2Mqtt; source: nanoFramework.m2mqtt v5.1.220,
// 820878720740): every listed type, with the client interface's return types, parameter names, events and their nested
// delegate types, the event arguments' base type and properties, and the enums' values, which the listing's doc-IDs do
// not carry. Only declarations; ListingReferenceBuilder checks each member against nanoFramework.M2Mqtt.Core.txt.
using System;
using System.Collections;
using nanoFramework.M2Mqtt.Messages;

namespace nanoFramework.M2Mqtt
{
    public interface IMqttClient
    {
        public bool IsConnected { get; }
        void Init(string brokerHostName, int brokerPort, bool secure, byte[] caCert, byte[] clientCert, MqttSslProtocols sslProtocol);
        public MqttReasonCode Connect(string clientId, string username, string password, bool willRetain, MqttQoSLevel willQosLevel, bool willFlag, string willTopic, string willMessage, bool cleanSession, ushort keepAlivePeriod);
        public void Disconnect();
        public ushort Subscribe(string[] topics, MqttQoSLevel[] qosLevels);
        public ushort Unsubscribe(string[] topics);
        public ushort Publish(string topic, byte[] message, string contentType, ArrayList userProperties, MqttQoSLevel qosLevel, bool retain);
        public ushort Publish(string topic, byte[] message, string contentType);
        public ushort Publish(string topic, byte[] message);
        public void Close();

        public delegate void MqttMsgPublishEventHandler(object sender, MqttMsgPublishEventArgs e);
        public event IMqttClient.MqttMsgPublishEventHandler MqttMsgPublishReceived;
        public delegate void MqttMsgPublishedEventHandler(object sender, MqttMsgPublishedEventArgs e);
        public event MqttMsgPublishedEventHandler MqttMsgPublished;
        public delegate void MqttMsgSubscribedEventHandler(object sender, MqttMsgSubscribedEventArgs e);
        public event MqttMsgSubscribedEventHandler MqttMsgSubscribed;
        public delegate void MqttMsgUnsubscribedEventHandler(object sender, MqttMsgUnsubscribedEventArgs e);
        public event MqttMsgUnsubscribedEventHandler MqttMsgUnsubscribed;
        public delegate void ConnectionClosedEventHandler(object sender, EventArgs e);
        public event ConnectionClosedEventHandler ConnectionClosed;
    }

    public enum MqttSslProtocols
    {
        None,
        SSLv3,
        TLSv1_0,
        TLSv1_1,
        TLSv1_2,
        TLSv1_3,
    }
}

namespace nanoFramework.M2Mqtt.Messages
{
    public class MqttMsgPublishEventArgs : EventArgs
    {
        public MqttMsgPublishEventArgs(string topic, byte[] message, bool dupFlag, MqttQoSLevel qosLevel, bool retain);
        public string Topic { get; internal set; }
        public byte[] Message { get; internal set; }
        public bool DupFlag { get; internal set; }
        public MqttQoSLevel QosLevel { get; internal set; }
        public bool Retain { get; internal set; }
    }

    public class MqttMsgPublishedEventArgs : EventArgs
    {
        public MqttMsgPublishedEventArgs(ushort messageId);
        public MqttMsgPublishedEventArgs(ushort messageId, bool isPublished);
        public ushort MessageId { get; set; }
        public bool IsPublished { get; set; }
    }

    public class MqttMsgSubscribeEventArgs : EventArgs
    {
        public MqttMsgSubscribeEventArgs(ushort messageId, string[] topics, MqttQoSLevel[] qosLevels);
        public ushort MessageId { get; internal set; }
        public string[] Topics { get; internal set; }
        public MqttQoSLevel[] QoSLevels { get; internal set; }
    }

    public class MqttMsgSubscribedEventArgs : EventArgs
    {
        public MqttMsgSubscribedEventArgs(ushort messageId, MqttQoSLevel[] grantedQosLevels);
        public ushort MessageId { get; internal set; }
        public MqttQoSLevel[] GrantedQoSLevels { get; internal set; }
    }

    public class MqttMsgUnsubscribeEventArgs : EventArgs
    {
        public MqttMsgUnsubscribeEventArgs(ushort messageId, string[] topics);
        public ushort MessageId { get; internal set; }
        public string[] Topics { get; internal set; }
    }

    public class MqttMsgUnsubscribedEventArgs : EventArgs
    {
        public MqttMsgUnsubscribedEventArgs(ushort messageId);
        public ushort MessageId { get; }
    }

    public enum MqttQoSLevel
    {
        AtMostOnce = 0x00,
        AtLeastOnce = 0x01,
        ExactlyOnce = 0x02,
        GrantedFailure = 0x80,
    }

    public enum MqttReasonCode
    {
        Success = 0x00,
        NormalDisconnection = 0x00,
        GrantedQoS0 = 0x00,
        GrantedQoS1 = 0x01,
        GrantedQoS2 = 0x02,
        DisconnectWithWillMessage = 0x04,
        NoMatchingSubscribers = 0x10,
        NoSubscriptionExisted = 0x11,
        ContinueAuthentication = 0x18,
        ReAuthenticate = 0x19,
        UnspecifiedError = 0x80,
        MalformedPacket = 0x81,
        ProtocolError = 0x82,
        ImplementationSpecificError = 0x83,
        UnsupportedProtocolVersion = 0x84,
        ClientIdentifierNotValid = 0x85,
        BadUserNameOrPassword = 0x86,
        NotAuthorized = 0x87,
        ServerUnavailable = 0x88,
        ServerBusy = 0x89,
        Banned = 0x8A,
        ServeShuttingDown = 0x8B,
        BadAuthenticationMethod = 0x8C,
        KeepAliveTimeout = 0x8D,
        SessionTakenOver = 0x8E,
        TopicFilterInvalid = 0x8F,
        TopicNameInvalid = 0x90,
        PacketIdentifierInUse = 0x91,
        PacketIdentifierNotFound = 0x92,
        ReceiveMaximumExceeded = 0x93,
        TopicAliasInvalid = 0x94,
        PacketTooLarge = 0x95,
        MessageRateTooHigh = 0x96,
        QuotaExceeded = 0x97,
        AdministrativeAction = 0x98,
        PayloadFormatInvalid = 0x99,
        RetainNotSupported = 0x9A,
        QoSNotSupported = 0x9B,
        UseAnotherServer = 0x9C,
        ServerMoved = 0x9D,
        SharedSubscriptionsNotSupported = 0x9E,
        ConnectionRateExceeded = 0x9F,
        MaximumConnectTime = 0xA0,
        SubscriptionIdentifiersNotSupported = 0xA1,
        WildcardSubscriptionsNotSupported = 0xA2,
        ConnectionRefusedUnacceptableProtocolVersion = 0x01,
        ConnectionRefusedIdentifierRejected = 0x02,
        ConnectionRefusedServerUnavailable = 0x03,
        ConnectionRefusedBadUserNameOrPassword = 0x04,
        ConnectionRefusedNotAuthorized = 0x05,
    }

    public class UserProperty
    {
        public UserProperty(string name, string value);
        public string Name { get; set; }
        public string Value { get; set; }
    }
}
