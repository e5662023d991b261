// The shape of System.Net 1.11.54 (package 1.11.60; source: System.Net v1.11.54, 713b02c9fea5), for the types the firmware
// and the other shapes use: network interfaces and the Wi-Fi station configuration, sockets' error codes and exception,
// the TLS enums and the X.509 certificates. Return types, statics, base types, parameter names and enum values (with
// their underlying types) as the sources declare them; the listing's doc-IDs carry none of them. Types without a public
// constructor keep their non-public one. Sockets, SslStream, Dns, IPAddress and the network helper keep the builder's
// default shape. Only declarations; ListingReferenceBuilder checks each member against System.Net.txt.
using System;

namespace System.Net.NetworkInformation
{
    public enum AddressMode : byte
    {
        Invalid = 0,
        DHCP = 1,
        Static = 2,
        AutoIP = 3,
    }

    public enum AuthenticationType : byte
    {
        None = 0,
        EAP,
        PEAP,
        WCN,
        Open,
        Shared,
        WEP,
        WPA,
        WPA2,
    }

    public enum EncryptionType : byte
    {
        None = 0,
        WEP,
        WPA,
        WPA2,
        WPA_PSK,
        WPA2_PSK,
        Certificate,
    }

    public class NetworkInterface
    {
        protected NetworkInterface(int interfaceIndex);
        public static extern bool GetIsNetworkAvailable();
        public static NetworkInterface[] GetAllNetworkInterfaces();
        public void EnableStaticIPv4(string ipv4Address, string ipv4SubnetMask, string ipv4GatewayAddress);
        public void EnableStaticIPv6(string ipv6Address, string ipv6SubnetMask, string ipv6GatewayAddress);
        public void EnableStaticIP(string ipv4Address, string ipv4subnetMask, string ipv4gatewayAddress, string ipv6Address, string ipv6SubnetMask, string ipv6GatewayAddress);
        public void EnableDhcp();
        public void EnableStaticIPv4Dns(string[] dnsAddresses);
        public void EnableStaticIPv6Dns(string[] dnsAddresses);
        [Obsolete("This method will be removed in a future version. Using automatic DNS it's part of DHCP configuration and can't be used as an individual operation.")]
        public void EnableAutomaticDns();
        public bool IsAutomaticDnsEnabled { get; }
        public string IPv4Address { get; }
        public string IPv4GatewayAddress { get; }
        public string IPv4SubnetMask { get; }
        public bool IsDhcpEnabled { get; }
        public string[] IPv4DnsAddresses { get; }
        public void ReleaseDhcpLease();
        public void RenewDhcpLease();
        public byte[] PhysicalAddress { get; set; }
        public NetworkInterfaceType NetworkInterfaceType { get; }
        public uint SpecificConfigId { get; set; }
    }

    public enum NetworkInterfaceType
    {
        Unknown = 1,
        Ethernet = 6,
        Wireless80211 = 71,
        WirelessAP = 72,
    }

    public enum RadioType : byte
    {
        NotSpecified = 0,
        _802_11a = 1,
        _802_11b = 2,
        _802_11g = 4,
        _802_11n = 8,
    }

    public class Wireless80211Configuration
    {
        public Wireless80211Configuration(uint id);
        public AuthenticationType Authentication { get; set; }
        public EncryptionType Encryption { get; set; }
        public RadioType Radio { get; set; }
        public ConfigurationOptions Options { get; set; }
        public string Password { get; set; }
        public string Ssid { get; set; }
        public uint Id { get; }
        public void SaveConfiguration();
        public static Wireless80211Configuration[] GetAllWireless80211Configurations();

        [Flags]
        public enum ConfigurationOptions : byte
        {
            None = 0,
            Disable = 0x01,
            Enable = 0x02,
            AutoConnect = 0x04 | Enable,
            SmartConfig = 0x08 | Enable,
        }
    }
}

namespace System.Net.Security
{
    [Flags]
    public enum SslProtocols
    {
        None = 0x00,
        [Obsolete("This value is obsolete and unsecured and will be removed in a future version.")]
        Tls = 192,
        [Obsolete("This value is obsolete and unsecured and will be removed in a future version.")]
        Tls11 = 768,
        Tls12 = 3072,
        Tls13 = 12288,
    }

    public enum SslVerification
    {
        NoVerification = 1,
        VerifyPeer = 2,
        CertificateRequired = 4,
        VerifyClientOnce = 8,
    }
}

namespace System.Net.Sockets
{
    public enum SocketError : int
    {
        Success = 0,
        SocketError = (-1),
        Interrupted = (10000 + 4),
        AccessDenied = (10000 + 13),
        Fault = (10000 + 14),
        InvalidArgument = (10000 + 22),
        TooManyOpenSockets = (10000 + 24),
        WouldBlock = (10000 + 35),
        InProgress = (10000 + 36),
        AlreadyInProgress = (10000 + 37),
        NotSocket = (10000 + 38),
        DestinationAddressRequired = (10000 + 39),
        MessageSize = (10000 + 40),
        ProtocolType = (10000 + 41),
        ProtocolOption = (10000 + 42),
        ProtocolNotSupported = (10000 + 43),
        SocketNotSupported = (10000 + 44),
        OperationNotSupported = (10000 + 45),
        ProtocolFamilyNotSupported = (10000 + 46),
        AddressFamilyNotSupported = (10000 + 47),
        AddressAlreadyInUse = (10000 + 48),
        AddressNotAvailable = (10000 + 49),
        NetworkDown = (10000 + 50),
        NetworkUnreachable = (10000 + 51),
        NetworkReset = (10000 + 52),
        ConnectionAborted = (10000 + 53),
        ConnectionReset = (10000 + 54),
        NoBufferSpaceAvailable = (10000 + 55),
        IsConnected = (10000 + 56),
        NotConnected = (10000 + 57),
        Shutdown = (10000 + 58),
        TimedOut = (10000 + 60),
        ConnectionRefused = (10000 + 61),
        HostDown = (10000 + 64),
        HostUnreachable = (10000 + 65),
        ProcessLimit = (10000 + 67),
        SystemNotReady = (10000 + 91),
        VersionNotSupported = (10000 + 92),
        NotInitialized = (10000 + 93),
        Disconnecting = (10000 + 101),
        TypeNotFound = (10000 + 109),
        HostNotFound = (10000 + 1001),
        TryAgain = (10000 + 1002),
        NoRecovery = (10000 + 1003),
        NoData = (10000 + 1004),
    }

    public class SocketException : Exception
    {
        public SocketException(SocketError errorCode);
        public int ErrorCode { get; }
    }
}

namespace System.Security.Cryptography.X509Certificates
{
    public class X509Certificate
    {
        protected string _issuer;
        protected string _subject;
        protected DateTime _effectiveDate;
        protected DateTime _expirationDate;
        protected byte[] _handle;
        protected byte[] _sessionHandle;
        public X509Certificate();
        public X509Certificate(byte[] certificate);
        public X509Certificate(string certificate);
        public virtual string Issuer { get; }
        public virtual string Subject { get; }
        public virtual DateTime GetEffectiveDate();
        public virtual DateTime GetExpirationDate();
        public virtual byte[] GetRawCertData();
    }

    public class X509Certificate2 : X509Certificate
    {
        public X509Certificate2();
        public X509Certificate2(byte[] rawData);
        public X509Certificate2(string certificate);
        public X509Certificate2(string rawData, string key, string password);
        public X509Certificate2(byte[] rawData, string key, string password);
        public X509Certificate2(byte[] rawData, byte[] key, string password);
        public bool HasPrivateKey { get; }
        public byte[] PrivateKey { get; }
        public byte[] PublicKey { get; }
        public DateTime NotAfter { get; }
        public DateTime NotBefore { get; }
        public byte[] RawData { get; }
    }
}
