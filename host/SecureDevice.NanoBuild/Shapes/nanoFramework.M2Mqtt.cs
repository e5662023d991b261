// The shape of nanoFramework.M2Mqtt 5.1.220 (source: nanoFramework.m2mqtt v5.1.220, 820878720740), for the client, its
// settings, exceptions and events: the interfaces it implements, return types, statics, constants, parameter names, the
// event delegate types (the IMqttClient ones for the events both declare) and the enums' values, which the listing's
// doc-IDs do not carry. The message classes, the network channel and the session types keep the builder's default shape.
// Only declarations; ListingReferenceBuilder checks each member against nanoFramework.M2Mqtt.txt.
using System;
using System.Collections;
using System.Security.Cryptography.X509Certificates;
using nanoFramework.M2Mqtt.Exceptions;
using nanoFramework.M2Mqtt.Messages;

namespace nanoFramework.M2Mqtt
{
    public class MqttClient : IMqttClient, IDisposable
    {
        public delegate void MqttMsgPublishEventHandler(object sender, MqttMsgPublishEventArgs e);
        public delegate void MqttMsgPublishedEventHandler(object sender, MqttMsgPublishedEventArgs e);
        public delegate void MqttMsgSubscribedEventHandler(object sender, MqttMsgSubscribedEventArgs e);
        public delegate void MqttMsgUnsubscribedEventHandler(object sender, MqttMsgUnsubscribedEventArgs e);
        public delegate void MqttMsgAuthenticationEventHandler(object sender, MqttMsgAuthenticationEventArgs e);
        public delegate void ConnectionOpenedEventHandler(object sender, ConnectionOpenedEventArgs e);
        public delegate void ConnectionClosedEventHandler(object sender, EventArgs e);
        public delegate void ConnectionClosedRequestEventHandler(object sender, ConnectionClosedRequestEventArgs e);

        public event IMqttClient.MqttMsgPublishEventHandler MqttMsgPublishReceived;
        public event IMqttClient.MqttMsgPublishedEventHandler MqttMsgPublished;
        public event IMqttClient.MqttMsgSubscribedEventHandler MqttMsgSubscribed;
        public event IMqttClient.MqttMsgUnsubscribedEventHandler MqttMsgUnsubscribed;
        public event ConnectionOpenedEventHandler ConnectionOpened;
        public event IMqttClient.ConnectionClosedEventHandler ConnectionClosed;
        public event ConnectionClosedRequestEventHandler ConnectionClosedRequest;
        public event MqttMsgAuthenticationEventHandler Authentication;

        public bool IsConnected { get; }
        public string ClientId { get; }
        public bool CleanSession { get; }
        public bool WillFlag { get; }
        public MqttQoSLevel WillQosLevel { get; }
        public string WillTopic { get; }
        public string WillMessage { get; }
        public MqttProtocolVersion ProtocolVersion { get; set; }
        public string AuthenticationMethod { get; set; }
        public byte[] AuthenticationData { get; set; }
        public uint SessionExpiryInterval { get; set; }
        public bool RequestProblemInformation { get; set; }
        public bool RequestResponseInformation { get; set; }
        public ushort ReceiveMaximum { get; set; }
        public ushort TopicAliasMaximum { get; set; }
        public uint WillDelayInterval { get; set; }
        public ArrayList UserProperties { get; internal set; }
        public uint MaximumPacketSize { get; set; }
        public bool IsAuthenticationFlow { get; set; }
        public MqttSettings Settings { get; }

        internal MqttClient();
        public MqttClient(string brokerHostName);
        public MqttClient(string brokerHostName, int brokerPort, bool secure, X509Certificate caCert, X509Certificate clientCert, MqttSslProtocols sslProtocol);
        public void Init(string brokerHostName, int brokerPort, bool secure, byte[] caCert, byte[] clientCert, MqttSslProtocols sslProtocol);
        public MqttReasonCode Connect(string clientId);
        public MqttReasonCode Connect(string clientId, bool cleanSession);
        public MqttReasonCode Connect(string clientId, string username, string password);
        public MqttReasonCode Connect(string clientId, string username, string password, bool cleanSession, ushort keepAlivePeriod);
        public MqttReasonCode Connect(string clientId, string username, string password, bool willRetain, MqttQoSLevel willQosLevel, bool willFlag, string willTopic, string willMessage, bool cleanSession, ushort keepAlivePeriod);
        public void Disconnect();
        public void Close();
        public void Dispose();
        public ushort Subscribe(string[] topics, MqttQoSLevel[] qosLevels);
        public ushort Unsubscribe(string[] topics);
        public ushort Publish(string topic, byte[] message);
        public ushort Publish(string topic, byte[] message, string contentType);
        public ushort Publish(string topic, byte[] message, string contentType, ArrayList userProperties);
        public ushort Publish(string topic, byte[] message, string contentType, ArrayList userProperties, MqttQoSLevel qosLevel, bool retain);
    }

    public enum MqttProtocolVersion
    {
        Version_3_1 = 0x03,
        Version_3_1_1 = 0x04,
        Version_5 = 0x05,
    }

    public class MqttSettings
    {
        public const int BrokerDefaultPort = 1883;
        public const int BrokerDefaultSslPort = 8883;
        public const int DefaultTimeout = 30_000;
        public const int MaximumAttemptsRetry = 3;
        public const int DefaultDelayRetry = 1_000;
        public const int ConnectTimeout = 30_000;
        public const int DefaultInflightQueueSize = int.MaxValue;
        private MqttSettings();
        public int Port { get; internal set; }
        public int SslPort { get; internal set; }
        public int TimeoutOnConnection { get; internal set; }
        public int TimeoutOnReceiving { get; internal set; }
        public int AttemptsOnRetry { get; internal set; }
        public int DelayOnRetry { get; internal set; }
        public int InflightQueueSize { get; set; }
        public bool ValidateServerCertificate { get; set; }
        public static MqttSettings Instance { get; }
    }
}

namespace nanoFramework.M2Mqtt.Exceptions
{
    public class MqttClientException : Exception
    {
        public MqttClientException(MqttClientErrorCode errorCode);
        public MqttClientErrorCode ErrorCode { get; set; }
    }

    public enum MqttClientErrorCode
    {
        WillWrong = 1,
        KeepAliveWrong,
        TopicWildcard,
        TopicLength,
        QosNotAllowed,
        TopicsEmpty,
        QosLevelsEmpty,
        TopicsQosLevelsNotMatch,
        WrongBrokerMessage,
        WrongMessageId,
        InflightQueueFull,
        InvalidFlagBits,
        InvalidConnectFlags,
        InvalidClientId,
        InvalidProtocolName,
    }

    public class MqttCommunicationException : Exception
    {
        public MqttCommunicationException();
        public MqttCommunicationException(Exception e);
    }

    public class MqttConnectionException : Exception
    {
        public MqttConnectionException(string message, Exception innerException);
    }

    public class MqttTimeoutException : Exception
    {
        public MqttTimeoutException();
    }
}

namespace nanoFramework.M2Mqtt.Messages
{
    public class ConnectionClosedRequestEventArgs : EventArgs
    {
        public ConnectionClosedRequestEventArgs(MqttMsgDisconnect disconnect);
        public MqttMsgDisconnect Message { get; }
    }

    public class ConnectionOpenedEventArgs : EventArgs
    {
        public ConnectionOpenedEventArgs(MqttMsgConnack connact);
        public MqttMsgConnack Message { get; }
    }

    public class MqttMsgAuthenticationEventArgs : EventArgs
    {
        public MqttMsgAuthenticationEventArgs(MqttMsgAuthentication authentication);
        public MqttMsgAuthentication Message { get; }
    }

    public enum MqttRetainHandeling
    {
        AllTime = 0,
        SubscribeTimeOnly = 1,
        NoRetain = 2,
    }
}
