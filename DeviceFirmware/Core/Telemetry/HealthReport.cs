using SecureDevice.Core.Text;

namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// Encodes a <see cref="HealthSnapshot"/> as schema-2 CBOR (integer keys 0..9) or compact JSON (the same structure
    /// with one-letter keys), into caller-owned buffers, without allocating (docs/telemetry.md has the key map).
    /// Counters are clamped to 0..2^32-1 so a wrapped or absurd counter never breaks the report. Budgets with every field
    /// present at realistic maximum values: CBOR ≤ 120 bytes, JSON ≤ 260 bytes; the buffers below fit any values.
    /// </summary>
    public sealed class HealthReport
    {
        /// <summary>Buffer size that fits any CBOR report.</summary>
        public const int MaxCborBytes = 320;

        /// <summary>Buffer size that fits any JSON report.</summary>
        public const int MaxJsonBytes = 640;

        /// <summary>Keys, in order: version, sequence, life, power, memory, traffic, connection, protection, identity, flags.</summary>
        public static readonly string[] JsonKeys = new string[] { "v", "n", "l", "p", "m", "t", "c", "x", "i", "f" };

        private const long MaxCounter = 0xFFFFFFFFL;

        private readonly CborWriter _cbor = new CborWriter();
        private readonly AsciiWriter _json = new AsciiWriter();
        private readonly long[] _values = new long[8];
        private readonly bool[] _present = new bool[8];

        /// <summary>Writes the CBOR report into <c>buffer[offset, +count)</c>.</summary>
        /// <returns>Bytes written, or -1 when the range is too small (nothing usable was written).</returns>
        public int EncodeCbor(HealthSnapshot snapshot, byte[] buffer, int offset, int count)
        {
            _cbor.Reset(buffer, offset, count);
            _cbor.WriteMapHeader(10);
            for (int key = 0; key < 10; key++)
            {
                _cbor.WriteInteger(key);
                int items = Fill(snapshot, key);
                if (items < 0)
                {
                    _cbor.WriteInteger(_values[0]);
                    continue;
                }

                _cbor.WriteArrayHeader(items);
                for (int i = 0; i < items; i++)
                {
                    if (_present[i])
                    {
                        _cbor.WriteInteger(_values[i]);
                    }
                    else
                    {
                        _cbor.WriteNull();
                    }
                }
            }

            return _cbor.Overflowed ? -1 : _cbor.Length;
        }

        /// <summary>Writes the JSON report into <c>buffer[offset, +count)</c>.</summary>
        /// <returns>Bytes written, or -1 when the range is too small.</returns>
        public int EncodeJson(HealthSnapshot snapshot, byte[] buffer, int offset, int count)
        {
            _json.Reset(buffer, offset, count);
            _json.WriteChar('{');
            for (int key = 0; key < 10; key++)
            {
                if (key > 0)
                {
                    _json.WriteChar(',');
                }

                _json.WriteChar('"');
                _json.WriteText(JsonKeys[key]);
                _json.WriteText("\":");
                int items = Fill(snapshot, key);
                if (items < 0)
                {
                    _json.WriteInteger(_values[0]);
                    continue;
                }

                _json.WriteChar('[');
                for (int i = 0; i < items; i++)
                {
                    if (i > 0)
                    {
                        _json.WriteChar(',');
                    }

                    if (_present[i])
                    {
                        _json.WriteInteger(_values[i]);
                    }
                    else
                    {
                        _json.WriteText("null");
                    }
                }

                _json.WriteChar(']');
            }

            _json.WriteChar('}');
            return _json.Overflowed ? -1 : _json.Length;
        }

        // Puts key's value(s) into _values/_present; returns the array length, or -1 for a scalar in _values[0].
        private int Fill(HealthSnapshot s, int key)
        {
            for (int i = 0; i < _present.Length; i++)
            {
                _present[i] = true;
            }

            switch (key)
            {
                case 0:
                    _values[0] = HealthSnapshot.SchemaVersion;
                    return -1;
                case 1:
                    _values[0] = Counter(s.Sequence);
                    return -1;
                case 2:
                    Set(0, Counter(s.UptimeSeconds));
                    Set(1, Counter(s.BootCount));
                    Set(2, s.BootReason < 0 ? 0 : s.BootReason);
                    return 3;
                case 3:
                    Set(0, s.SupplyMillivolts);
                    _present[0] = s.HasSupply;
                    Set(1, s.TemperatureDeciCelsius);
                    _present[1] = s.HasTemperature;
                    Set(2, Counter(s.SupplyMilliamps));
                    _present[2] = s.HasSupplyCurrent;
                    Set(3, Counter(s.LoadPercent));
                    _present[3] = s.HasLoad;
                    return 4;
                case 4:
                    Set(0, Counter(s.HeapTotalKiB));
                    Set(1, Counter(s.HeapFreeKiB));
                    Set(2, Counter(s.HeapLargestKiB));
                    Set(3, Counter(s.HeapFreeMinKiB));
                    Set(4, Counter(s.ManagedFreeKiB));
                    Set(5, Counter(s.ManagedFreeMinKiB));
                    for (int i = 0; i < 4; i++)
                    {
                        _present[i] = s.HasNativeMemory;
                    }

                    _present[0] = s.HasNativeMemory && s.HasHeapTotal;
                    _present[4] = s.HasManagedMemory;
                    _present[5] = s.HasManagedMemory;
                    return 6;
                case 5:
                    Set(0, Counter(s.MessagesUp));
                    Set(1, Counter(s.PayloadUpKiB));
                    Set(2, Counter(s.MessagesUpSinceLast));
                    Set(3, Counter(s.BytesUpSinceLast));
                    Set(4, Counter(s.MessagesDown));
                    Set(5, Counter(s.PayloadDownKiB));
                    Set(6, Counter(s.MessagesDownSinceLast));
                    Set(7, Counter(s.BytesDownSinceLast));
                    return 8;
                case 6:
                    Set(0, s.Rssi);
                    _present[0] = s.HasRssi;
                    Set(1, Counter(s.Attempts));
                    Set(2, Counter(s.FailedNetwork));
                    Set(3, Counter(s.FailedTls));
                    Set(4, Counter(s.FailedAuthentication));
                    Set(5, Counter(s.FailedRefused));
                    Set(6, Counter(s.BackoffSeconds));
                    return 7;
                case 7:
                    Set(0, Counter(s.Dropped));
                    Set(1, Counter(s.Delayed));
                    Set(2, Counter(s.Rejected));
                    Set(3, Counter(s.UpdateOutcome));
                    return 4;
                case 8:
                    Set(0, Counter(s.VersionMajor));
                    Set(1, Counter(s.VersionMinor));
                    Set(2, Counter(s.VersionPatch));
                    Set(3, Counter(s.SecurityVersion));
                    Set(4, s.CertificateDays);
                    return 5;
                default:
                    _values[0] = Counter(s.Flags);
                    return -1;
            }
        }

        private void Set(int index, long value)
        {
            _values[index] = value;
        }

        private static long Counter(long value)
        {
            return value < 0 ? 0 : value > MaxCounter ? MaxCounter : value;
        }
    }
}
