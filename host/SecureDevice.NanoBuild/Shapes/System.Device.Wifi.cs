// The shape of System.Device.Wifi 1.5.147 (package 1.5.149; source: System.Device.Wifi v1.5.147, 282a90676d5b): the adapter,
// its scan event and delegate, the scan report and the enums, with return types, statics and parameter names the listing's
// doc-IDs do not carry. Types without a public constructor keep their internal one, so no public one appears.
// WifiNetworkHelper keeps the builder's default shape (nothing here uses it). Only declarations; ListingReferenceBuilder
// checks each member against System.Device.Wifi.txt.
using System;

namespace System.Device.Wifi
{
    public delegate void AvailableNetworksChangedEventHandler(WifiAdapter sender, Object e);

    public sealed class WifiAdapter : IDisposable
    {
        internal WifiAdapter(int NetworkInterface);
        public event AvailableNetworksChangedEventHandler AvailableNetworksChanged;
        public int NetworkInterface { get; }
        public WifiNetworkReport NetworkReport { get; }
        public WifiConnectionResult Connect(WifiAvailableNetwork availableNetwork, WifiReconnectionKind reconnectionKind, string passwordCredential);
        public WifiConnectionResult Connect(string ssid, WifiReconnectionKind reconnectionKind, string passwordCredential);
        public void Disconnect();
        public static WifiAdapter[] FindAllAdapters();
        public void SetDeviceName(string deviceName);
        public void ScanAsync();
        ~WifiAdapter();
        public void Dispose();
    }

    public class WifiAvailableNetwork
    {
        public WifiAvailableNetwork();
        public string Bsid { get; internal set; }
        public string Ssid { get; internal set; }
        public WifiNetworkKind NetworkKind { get; }
        public double NetworkRssiInDecibelMilliwatts { get; }
        public byte SignalBars { get; }
    }

    public class WifiConnectionResult
    {
        internal WifiConnectionResult(WifiConnectionStatus ConnectionStatus);
        public WifiConnectionStatus ConnectionStatus { get; }
    }

    public enum WifiConnectionStatus
    {
        AccessRevoked,
        InvalidCredential,
        NetworkNotAvailable,
        Success,
        Timeout,
        UnspecifiedFailure,
        UnsupportedAuthenticationProtocol,
    }

    public enum WifiNetworkKind
    {
        Adhoc,
        Any,
        Infrastructure,
    }

    public class WifiNetworkReport
    {
        internal WifiNetworkReport(WifiAvailableNetwork[] WifiNetworks);
        public WifiAvailableNetwork[] AvailableNetworks { get; }
    }

    public enum WifiReconnectionKind
    {
        Automatic,
        Manual,
    }
}
