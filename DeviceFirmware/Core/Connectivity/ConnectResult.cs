using SecureDevice.Core.FloodGuard;

namespace SecureDevice.Core.Connectivity
{
    /// <summary>Outcome of <see cref="IMqttTransport.Connect"/>; filled in by the transport into a caller-owned instance.</summary>
    public sealed class ConnectResult
    {
        /// <summary>True when CONNACK accepted the connection.</summary>
        public bool Connected { get; set; }

        /// <summary>Why it failed (<see cref="ConnectFailure.None"/> on success).</summary>
        public ConnectFailure Failure { get; set; }

        /// <summary>The CONNACK return/reason code, or -1 when none was received.</summary>
        public int ReasonCode { get; set; }

        /// <summary>A short, log-safe description (never a secret).</summary>
        public string Detail { get; set; }

        /// <summary>Resets to "not connected, no reason".</summary>
        public void Clear()
        {
            Connected = false;
            Failure = ConnectFailure.None;
            ReasonCode = -1;
            Detail = null;
        }
    }
}
