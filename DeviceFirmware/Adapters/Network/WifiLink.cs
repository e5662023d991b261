using System;
using System.Device.Wifi;
using System.Net.NetworkInformation;
using System.Threading;
using SecureDevice.Core.Connectivity;

namespace SecureDevice.Adapters.Network
{
    /// <summary>
    /// The Wi-Fi station link, observed rather than driven: the board joins the network by itself at boot (nanoff stored
    /// the credentials with <c>ConfigurationOption: AutoConnect</c>), so this class only answers whether an IPv4 address
    /// is there, waits for one, and keeps the signal strength of the joined network from the latest Wi-Fi scan. The
    /// ESP32 has no API for the RSSI of the current association; a passive scan (started on request, when the core's
    /// <see cref="ScanSchedule"/> says so: at most once per <c>minimumScanIntervalMilliseconds</c>, and a refused scan
    /// does not count) reports it, and the result arrives later on the Wi-Fi event thread.
    /// Thread-safe.
    /// </summary>
    public sealed class WifiLink
    {
        private const int PollMilliseconds = 250;

        private readonly object _lock = new object();
        private readonly ScanSchedule _scans;
        private WifiAdapter _adapter;
        private bool _adapterMissing;
        private string _ssid;
        private bool _hasSignal;
        private int _signalDbm;
        private long _signalMilliseconds;

        /// <summary>Creates the link observer; nothing is touched until first used.</summary>
        /// <param name="minimumScanIntervalMilliseconds">Least time between two scans (a scan takes the radio off the
        /// joined channel for a few seconds in 500 ms slices, so keep it at minutes, e.g. 600 000).</param>
        public WifiLink(int minimumScanIntervalMilliseconds)
        {
            if (minimumScanIntervalMilliseconds < 0)
            {
                throw new ArgumentOutOfRangeException("minimumScanIntervalMilliseconds");
            }

            _scans = new ScanSchedule(minimumScanIntervalMilliseconds);
        }

        /// <summary>True while the Wi-Fi station interface has an IPv4 address (DHCP done). Never throws.</summary>
        public bool IsUp
        {
            get { return StationAddress() != null; }
        }

        /// <summary>The station's IPv4 address as text, or null while it has none.</summary>
        public string Address
        {
            get { return StationAddress(); }
        }

        /// <summary>Waits until <see cref="IsUp"/>, polling every 250 ms.</summary>
        /// <param name="timeoutMilliseconds">Longest wait in ms; 0 checks once.</param>
        /// <returns>True when an address is there, false when the time ran out.</returns>
        public bool WaitForAddress(int timeoutMilliseconds)
        {
            long deadline = Environment.TickCount64 + timeoutMilliseconds;
            while (true)
            {
                if (IsUp)
                {
                    return true;
                }

                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return false;
                }

                Thread.Sleep(left < PollMilliseconds ? (int)left : PollMilliseconds);
            }
        }

        /// <summary>
        /// Starts a passive scan whose result updates the signal strength, unless one was started less than the minimum
        /// interval ago. Returns immediately.
        /// </summary>
        /// <returns>True when a scan was started; false when too soon, without a Wi-Fi adapter, or refused (busy).</returns>
        public bool RequestSignalScan()
        {
            long now = Environment.TickCount64;
            lock (_lock)
            {
                if (!_scans.Due(now))
                {
                    return false;
                }

                WifiAdapter adapter = Adapter();
                if (adapter == null)
                {
                    return false;
                }

                try
                {
                    adapter.ScanAsync();
                    _scans.OnStarted(now);
                    return true;
                }
                catch (Exception)
                {
                    // Wi-Fi not started, or a scan already running: it may be tried again soon, not in ten minutes.
                    _scans.OnRefused(now);
                    return false;
                }
            }
        }

        /// <summary>The RSSI of the joined network from the latest completed scan.</summary>
        /// <param name="maximumAgeMilliseconds">Oldest acceptable measurement, in ms.</param>
        /// <param name="dbm">Signal strength in dBm (typically -100 to -30).</param>
        /// <returns>False when no scan has seen the joined network within <paramref name="maximumAgeMilliseconds"/>.</returns>
        public bool TryGetSignal(long maximumAgeMilliseconds, out int dbm)
        {
            lock (_lock)
            {
                dbm = _signalDbm;
                return _hasSignal && Environment.TickCount64 - _signalMilliseconds <= maximumAgeMilliseconds;
            }
        }

        /// <summary>The Wi-Fi adapter, opened once (each FindAllAdapters call creates new adapter objects); null if none.</summary>
        private WifiAdapter Adapter()
        {
            if (_adapter != null || _adapterMissing)
            {
                return _adapter;
            }

            try
            {
                WifiAdapter[] adapters = WifiAdapter.FindAllAdapters();
                if (adapters.Length == 0)
                {
                    _adapterMissing = true;
                    return null;
                }

                _adapter = adapters[0];
                _adapter.AvailableNetworksChanged += OnScanCompleted;
                return _adapter;
            }
            catch (Exception)
            {
                return null;
            }
        }

        private void OnScanCompleted(WifiAdapter sender, object e)
        {
            string ssid = JoinedSsid();
            if (ssid == null)
            {
                return;
            }

            WifiAvailableNetwork[] networks;
            try
            {
                // Reading the report takes ESP-IDF's scan results (they can be read once per scan).
                networks = sender.NetworkReport.AvailableNetworks;
            }
            catch (Exception)
            {
                return;
            }

            // Several access points may carry the SSID; the strongest is the one the station roams to.
            bool found = false;
            int best = 0;
            for (int i = 0; i < networks.Length; i++)
            {
                WifiAvailableNetwork network = networks[i];
                if (network.Ssid == ssid)
                {
                    int rssi = (int)network.NetworkRssiInDecibelMilliwatts;
                    if (!found || rssi > best)
                    {
                        best = rssi;
                        found = true;
                    }
                }
            }

            if (found)
            {
                lock (_lock)
                {
                    _signalDbm = best;
                    _signalMilliseconds = Environment.TickCount64;
                    _hasSignal = true;
                }
            }
        }

        /// <summary>The SSID in the station's stored configuration (written by nanoff), read once.</summary>
        private string JoinedSsid()
        {
            if (_ssid != null)
            {
                return _ssid;
            }

            try
            {
                NetworkInterface[] interfaces = NetworkInterface.GetAllNetworkInterfaces();
                for (int i = 0; i < interfaces.Length; i++)
                {
                    NetworkInterface candidate = interfaces[i];
                    if (candidate.NetworkInterfaceType == NetworkInterfaceType.Wireless80211)
                    {
                        Wireless80211Configuration[] configurations = Wireless80211Configuration.GetAllWireless80211Configurations();
                        uint index = candidate.SpecificConfigId;
                        if (index < configurations.Length)
                        {
                            _ssid = configurations[index].Ssid;
                        }

                        return _ssid;
                    }
                }
            }
            catch (Exception)
            {
                // No readable configuration: no signal reading.
            }

            return null;
        }

        /// <summary>The Wi-Fi station's IPv4 address, or null while it has none (0.0.0.0 before DHCP).</summary>
        private static string StationAddress()
        {
            try
            {
                NetworkInterface[] interfaces = NetworkInterface.GetAllNetworkInterfaces();
                for (int i = 0; i < interfaces.Length; i++)
                {
                    NetworkInterface candidate = interfaces[i];
                    if (candidate.NetworkInterfaceType != NetworkInterfaceType.Wireless80211)
                    {
                        continue;
                    }

                    // The same test as nanoFramework's NetworkHelper: an unset address reads "0.0.0.0".
                    string address = candidate.IPv4Address;
                    if (address != null && address.Length > 0 && address[0] != '0')
                    {
                        return address;
                    }
                }
            }
            catch (Exception)
            {
                // Network stack not up yet.
            }

            return null;
        }
    }
}
