using System;
using nanoFramework.Networking;

namespace SecureDevice.Adapters.Network
{
    /// <summary>
    /// The two clocks the core is given: wall-clock Unix seconds, set by the firmware's SNTP client, and monotonic
    /// milliseconds since boot. The ESP32 has no battery-backed clock, so the wall clock starts near 1970 (or wherever the
    /// last soft reboot left it) and is only trusted once SNTP has moved it past 2025-01-01. Thread-safe (static state
    /// lives in the firmware).
    /// </summary>
    public sealed class WallClock
    {
        /// <summary>2025-01-01T00:00:00Z in Unix seconds: earlier readings are an unsynchronised clock.</summary>
        public const long ValidAfterUnixSeconds = 1735689600;

        private readonly string _primaryServer;
        private readonly string _secondaryServer;

        /// <summary>Creates the clock; SNTP starts with <see cref="Start"/>.</summary>
        /// <param name="primaryServer">Main SNTP server host, or null for the firmware default (0.pool.ntp.org).</param>
        /// <param name="secondaryServer">Backup SNTP server host, or null for the firmware default (1.pool.ntp.org).</param>
        public WallClock(string primaryServer, string secondaryServer)
        {
            _primaryServer = primaryServer;
            _secondaryServer = secondaryServer;
        }

        /// <summary>Monotonic milliseconds since boot (never steps when SNTP sets the wall clock).</summary>
        public static long MonotonicMilliseconds
        {
            get { return Environment.TickCount64; }
        }

        /// <summary>True once the SNTP client runs.</summary>
        public bool IsStarted
        {
            get
            {
                try
                {
                    return Sntp.IsStarted;
                }
                catch (Exception)
                {
                    return false;
                }
            }
        }

        /// <summary>
        /// Sets the servers and starts the SNTP client, which then synchronises about hourly and sets the system time
        /// after each success. Call once the network is up; calling again restarts it.
        /// </summary>
        /// <returns>False when the firmware refused (no SNTP support or no network stack).</returns>
        public bool Start()
        {
            try
            {
                if (_primaryServer != null)
                {
                    Sntp.Server1 = _primaryServer;
                }

                if (_secondaryServer != null)
                {
                    Sntp.Server2 = _secondaryServer;
                }

                Sntp.Start();
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }

        /// <summary>Asks for an immediate synchronisation (restarts the client); the clock changes when the answer arrives.</summary>
        /// <returns>False when the firmware refused.</returns>
        public bool RequestSync()
        {
            try
            {
                Sntp.UpdateNow();
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }

        /// <summary>Wall-clock Unix seconds (UTC), or -1 while the clock is not later than 2025-01-01 (not yet synchronised).</summary>
        public long UtcSecondsOrMinusOne()
        {
            long seconds = DateTime.UtcNow.ToUnixTimeSeconds();
            return seconds > ValidAfterUnixSeconds ? seconds : -1;
        }
    }
}
