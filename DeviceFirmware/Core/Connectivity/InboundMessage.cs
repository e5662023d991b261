namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// One received PUBLISH, copied by the transport into this caller-owned, fixed-size holder. A payload larger than the
    /// buffer is not truncated silently: <see cref="Oversized"/> is set and the payload must be rejected.
    /// </summary>
    public sealed class InboundMessage
    {
        /// <summary>Creates a holder for payloads of at most <paramref name="capacity"/> bytes.</summary>
        public InboundMessage(int capacity)
        {
            Payload = new byte[capacity];
        }

        /// <summary>Topic of the message.</summary>
        public string Topic { get; set; }

        /// <summary>Payload buffer; the message occupies <c>[0, Length)</c>.</summary>
        public byte[] Payload { get; private set; }

        /// <summary>Payload length (0 when <see cref="Oversized"/>).</summary>
        public int Length { get; set; }

        /// <summary>True when the payload did not fit; its size is then in <see cref="OriginalLength"/>.</summary>
        public bool Oversized { get; set; }

        /// <summary>Length of the payload as received.</summary>
        public int OriginalLength { get; set; }
    }
}
