namespace SecureDevice.Core.Connectivity
{
    /// <summary>Outcome of a transport operation other than connect.</summary>
    public enum TransportStatus
    {
        /// <summary>Done (for QoS 1: handed to the network; the acknowledgement comes later).</summary>
        Ok = 0,

        /// <summary>There is no connection.</summary>
        NotConnected = 1,

        /// <summary>The broker refused (SUBACK failure) or the connection broke during the operation.</summary>
        Failed = 2,

        /// <summary>The transport's bounded send queue is full; try later.</summary>
        Busy = 3,
    }
}
