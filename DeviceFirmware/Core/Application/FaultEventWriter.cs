using SecureDevice.Core.Boot;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Text;

namespace SecureDevice.Core.Application
{
    /// <summary>
    /// Writes the fault event published on devices/{id}/up/events:
    /// <c>{"e":"fault","code":"main-loop","count":2,"boot":17,"detail":"NullReferenceException: ..."}</c> (at most
    /// <see cref="MaxBytes"/> bytes; the detail is the fault record's, printable ASCII without quotes or backslashes).
    /// </summary>
    public sealed class FaultEventWriter
    {
        /// <summary>Largest fault event, bytes.</summary>
        public const int MaxBytes = 160;

        private readonly AsciiWriter _writer = new AsciiWriter();

        /// <summary>Writes the event for <paramref name="faults"/>' last fault, recorded before boot <paramref name="bootCount"/>'s report.</summary>
        /// <returns>Bytes written.</returns>
        public int Write(FaultLog faults, int bootCount, byte[] buffer, int offset, int count)
        {
            if (count < MaxBytes)
            {
                throw new System.ArgumentException("fault event buffer must hold " + MaxBytes.ToString() + " bytes", "count");
            }

            _writer.Reset(buffer, offset, MaxBytes);
            _writer.WriteText("{\"e\":\"fault\",\"code\":\"");
            _writer.WriteText(FaultLog.Name(faults.Code));
            _writer.WriteText("\",\"count\":");
            _writer.WriteInteger(faults.Consecutive);
            _writer.WriteText(",\"boot\":");
            _writer.WriteInteger(bootCount);
            _writer.WriteText(",\"detail\":\"");
            _writer.WriteCleanText(faults.Detail, FaultLog.MaxDetailCharacters);
            _writer.WriteText("\"}");
            if (_writer.Overflowed)
            {
                throw new System.InvalidOperationException("fault event over " + MaxBytes.ToString() + " bytes");
            }

            return _writer.Length;
        }
    }
}
