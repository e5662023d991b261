namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Encodes a <see cref="HealthSnapshot"/> as CBOR (integer keys 0..9) or compact JSON (the same structure with
    /// one-letter keys), into caller-owned buffers, without allocating: both encoders write exactly what
    /// <see cref="HealthSchema"/>'s table lists (docs/telemetry.md has the same table). Budgets with every field present at
    /// realistic maximum values: CBOR ≤ 120 bytes, JSON ≤ 260 bytes; the buffers below fit any values.
    /// </summary>
    public sealed class HealthReport
    {
        /// <summary>Buffer size that fits any CBOR report.</summary>
        public const int MaxCborBytes = 320;

        /// <summary>Buffer size that fits any JSON report.</summary>
        public const int MaxJsonBytes = 640;

        private readonly HealthCborWriter _cbor = new HealthCborWriter();
        private readonly HealthJsonWriter _json = new HealthJsonWriter();

        /// <summary>Writes the CBOR report into <c>buffer[offset, +count)</c>.</summary>
        /// <returns>Bytes written, or -1 when the range is too small (nothing usable was written).</returns>
        public int EncodeCbor(HealthSnapshot snapshot, byte[] buffer, int offset, int count)
        {
            _cbor.Begin(buffer, offset, count);
            HealthSchema.Write(snapshot, _cbor);
            return _cbor.Finish();
        }

        /// <summary>Writes the JSON report into <c>buffer[offset, +count)</c>.</summary>
        /// <returns>Bytes written, or -1 when the range is too small.</returns>
        public int EncodeJson(HealthSnapshot snapshot, byte[] buffer, int offset, int count)
        {
            _json.Begin(buffer, offset, count);
            HealthSchema.Write(snapshot, _json);
            return _json.Finish();
        }
    }
}
