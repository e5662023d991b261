namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Receives a health report's values from <see cref="HealthSchema.Write"/>, in wire order: the device's CBOR and JSON
    /// encoders, and on the host the reader of the schema's names. Keys come in ascending order from 0; a
    /// <see cref="Group"/>'s fields are the <see cref="Field"/> calls up to the next <see cref="Scalar"/>,
    /// <see cref="Group"/> or <see cref="End"/>. Values come as the snapshot holds them; an encoder writes
    /// <see cref="HealthSchema.Reported"/> of each. Names and keys are literals: receiving them allocates nothing.
    /// </summary>
    public interface IHealthWriter
    {
        /// <summary>A key whose value is one integer; <paramref name="name"/> names both the key and the value.</summary>
        void Scalar(int key, string jsonKey, string name, HealthValueKind kind, long value);

        /// <summary>A key whose value is an array of the <see cref="Field"/>s that follow, named <paramref name="name"/>.</summary>
        void Group(int key, string jsonKey, string name);

        /// <summary>One member of the current group: its value, or absent (null on the wire) when <paramref name="present"/> is false.</summary>
        void Field(string name, HealthValueKind kind, long value, bool present);

        /// <summary>The report is complete.</summary>
        void End();
    }
}
