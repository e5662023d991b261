using SecureDevice.Core.Text;

namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Writes <see cref="HealthSchema"/>'s values as compact JSON: the CBOR map's structure with the one-letter JSON keys,
    /// no white space, <c>null</c> for an absent value. No allocation.
    /// </summary>
    internal sealed class HealthJsonWriter : IHealthWriter
    {
        private readonly AsciiWriter _json = new AsciiWriter();
        private bool _inArray;
        private int _keys;
        private int _items;

        /// <summary>Starts a report in <c>buffer[offset, +count)</c>.</summary>
        public void Begin(byte[] buffer, int offset, int count)
        {
            _json.Reset(buffer, offset, count);
            _json.WriteChar('{');
            _keys = 0;
            _inArray = false;
        }

        /// <summary>Bytes written, or -1 when the range was too small.</summary>
        public int Finish()
        {
            return _json.Overflowed ? -1 : _json.Length;
        }

        public void Scalar(int key, string jsonKey, string name, HealthValueKind kind, long value)
        {
            StartKey(jsonKey);
            _json.WriteInteger(HealthSchema.Reported(kind, value));
        }

        public void Group(int key, string jsonKey, string name)
        {
            StartKey(jsonKey);
            _json.WriteChar('[');
            _inArray = true;
            _items = 0;
        }

        public void Field(string name, HealthValueKind kind, long value, bool present)
        {
            if (_items++ > 0)
            {
                _json.WriteChar(',');
            }

            if (present)
            {
                _json.WriteInteger(HealthSchema.Reported(kind, value));
            }
            else
            {
                _json.WriteText("null");
            }
        }

        public void End()
        {
            CloseArray();
            _json.WriteChar('}');
        }

        private void StartKey(string jsonKey)
        {
            CloseArray();
            if (_keys++ > 0)
            {
                _json.WriteChar(',');
            }

            _json.WriteChar('"');
            _json.WriteText(jsonKey);
            _json.WriteText("\":");
        }

        private void CloseArray()
        {
            if (_inArray)
            {
                _json.WriteChar(']');
                _inArray = false;
            }
        }
    }
}
