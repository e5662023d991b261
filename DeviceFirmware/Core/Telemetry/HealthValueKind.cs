namespace SecureDevice.Core.Telemetry
{
    /// <summary>How a health report value is written (docs/telemetry.md, "Kind").</summary>
    public enum HealthValueKind
    {
        /// <summary>Unsigned 32-bit: clamped to 0..2^32-1, so a wrapped or absurd counter never breaks the report.</summary>
        Counter,

        /// <summary>Written as read (supply, temperature, RSSI, certificate days, the schema version).</summary>
        Signed,
    }
}
