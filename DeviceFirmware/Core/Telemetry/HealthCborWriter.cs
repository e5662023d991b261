using SecureDevice.Core.Text;

namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Writes <see cref="HealthSchema"/>'s values as a CBOR map (RFC 8949, preferred serialisation): integer keys, a scalar
    /// or an array per key, null for an absent value. Counts are filled in when a map or array ends, so the table alone
    /// decides them. No allocation.
    /// </summary>
    internal sealed class HealthCborWriter : IHealthWriter
    {
        private readonly CborWriter _cbor = new CborWriter();
        private int _map;
        private int _keys;
        private int _array = -1;
        private int _items;

        /// <summary>Starts a report in <c>buffer[offset, +count)</c>.</summary>
        public void Begin(byte[] buffer, int offset, int count)
        {
            _cbor.Reset(buffer, offset, count);
            _map = _cbor.BeginShortMap();
            _keys = 0;
            _array = -1;
        }

        /// <summary>Bytes written, or -1 when the range was too small.</summary>
        public int Finish()
        {
            return _cbor.Overflowed ? -1 : _cbor.Length;
        }

        public void Scalar(int key, string jsonKey, string name, HealthValueKind kind, long value)
        {
            StartKey(key);
            _cbor.WriteInteger(HealthSchema.Reported(kind, value));
        }

        public void Group(int key, string jsonKey, string name)
        {
            StartKey(key);
            _array = _cbor.BeginShortArray();
            _items = 0;
        }

        public void Field(string name, HealthValueKind kind, long value, bool present)
        {
            _items++;
            if (present)
            {
                _cbor.WriteInteger(HealthSchema.Reported(kind, value));
            }
            else
            {
                _cbor.WriteNull();
            }
        }

        public void End()
        {
            CloseArray();
            _cbor.EndShortMap(_map, _keys);
        }

        private void StartKey(int key)
        {
            CloseArray();
            _keys++;
            _cbor.WriteInteger(key);
        }

        private void CloseArray()
        {
            if (_array >= 0)
            {
                _cbor.EndShortArray(_array, _items);
                _array = -1;
            }
        }
    }
}
