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

        /// <summary>
        /// Creates the clock. It never names SNTP servers: <c>Sntp.Server1/Server2</c> hand the native side a pointer into
        /// the managed string without copying it, so a string the collector moves or frees would be read later. The ESP32
        /// firmware starts SNTP with its own servers (0.pool.ntp.org, 1.pool.ntp.org); set other servers in the firmware
        /// build, not from managed code.
        /// </summary>
        public WallClock()
        {
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
        /// Starts the SNTP client if the firmware has not started it, which then synchronises about hourly and sets the
        /// system time after each success. Call once the network is up.
        /// </summary>
        /// <returns>False when the firmware refused (no SNTP support or no network stack).</returns>
        public bool Start()
        {
            try
            {
                if (!Sntp.IsStarted)
                {
                    Sntp.Start();
                }

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
