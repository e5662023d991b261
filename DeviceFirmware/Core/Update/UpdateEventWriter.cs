using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Text;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Writes the update event published on devices/{id}/up/update, compact JSON of at most <see cref="MaxBytes"/> bytes:
    /// <c>{"state":"downloading","outcome":"none","code":0,"version":"1.1.0","done":12288,"total":204800,"detail":"...","boot":7,"seq":3}</c>.
    /// <c>version</c> is the candidate's (omitted when there is none); <c>detail</c> only accompanies failures, is limited
    /// to <see cref="MaxDetailCharacters"/> characters and keeps only printable ASCII without quotes or backslashes;
    /// <c>boot</c> (the boot count) and <c>seq</c> (the engine's event sequence in that boot) identify the event, so a copy
    /// published again after a reboot (<c>PendingEvent</c>) is recognised.
    /// Allocation-free; the buffer is the caller's.
    /// </summary>
    public sealed class UpdateEventWriter
    {
        /// <summary>Largest event, bytes.</summary>
        public const int MaxBytes = 384;

        /// <summary>Longest detail text kept.</summary>
        public const int MaxDetailCharacters = 120;

        private readonly AsciiWriter _writer = new AsciiWriter();

        /// <summary>Writes the event for the update engine's current <paramref name="status"/> into <c>buffer[offset, +count)</c>.</summary>
        /// <returns>Bytes written (the event always fits in <see cref="MaxBytes"/>).</returns>
        /// <exception cref="System.ArgumentException">The range is shorter than <see cref="MaxBytes"/>.</exception>
        public int Write(UpdateStatus status, int bootCount, byte[] buffer, int offset, int count)
        {
            if (count < MaxBytes)
            {
                throw new System.ArgumentException("event buffer must hold " + MaxBytes.ToString() + " bytes", "count");
            }

            _writer.Reset(buffer, offset, MaxBytes);
            _writer.WriteText("{\"state\":\"");
            _writer.WriteText(UpdateStateText.Name(status.State));
            _writer.WriteText("\",\"outcome\":\"");
            _writer.WriteText(UpdateOutcomes.Name(status.LastOutcome));
            _writer.WriteText("\",\"code\":");
            _writer.WriteInteger(UpdateOutcomeCode.Of(status.LastOutcome));
            Bundle.Manifest candidate = status.Candidate;
            if (candidate != null)
            {
                _writer.WriteText(",\"version\":\"");
                _writer.WriteText(candidate.Version.ToString());
                _writer.WriteText("\",\"securityVersion\":");
                _writer.WriteInteger(candidate.SecurityVersion);
            }

            if (status.BytesTotal > 0 && (status.State == UpdateState.Downloading || status.State == UpdateState.Verifying))
            {
                _writer.WriteText(",\"done\":");
                _writer.WriteInteger(status.BytesDone);
                _writer.WriteText(",\"total\":");
                _writer.WriteInteger(status.BytesTotal);
            }

            string detail = status.LastDetail;
            if (detail != null && detail.Length > 0)
            {
                _writer.WriteText(",\"detail\":\"");
                _writer.WriteCleanText(detail, MaxDetailCharacters);
                _writer.WriteChar('"');
            }

            _writer.WriteText(",\"boot\":");
            _writer.WriteInteger(bootCount);
            _writer.WriteText(",\"seq\":");
            _writer.WriteInteger(status.EventSequence);
            _writer.WriteChar('}');
            if (_writer.Overflowed)
            {
                throw new System.InvalidOperationException("update event over " + MaxBytes.ToString() + " bytes");
            }

            return _writer.Length;
        }
    }
}
