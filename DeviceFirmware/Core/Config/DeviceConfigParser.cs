using SecureDevice.Core.Text;

namespace SecureDevice.Core.Config
{
    /// <summary>
    /// Parses config.json strictly (at most <see cref="MaxBytes"/>; unknown or repeated members, bad ranges and unsafe
    /// characters rejected). A device with a bad config keeps running, reports the problem and does not connect.
    /// </summary>
    public sealed class DeviceConfigParser
    {
        /// <summary>Largest config file accepted.</summary>
        public const int MaxBytes = 2048;

        private static readonly string[] Names = new string[]
        {
            "format", "deviceId", "product", "hardware", "broker", "topicPrefix", "telemetryIntervalS", "keepAliveS", "certificateNotAfter",
            "telemetryFormat",
        };

        private static readonly string[] BrokerNames = new string[] { "host", "port" };
        private readonly DocumentReader _reader = new DocumentReader(3, 253);

        /// <summary>Where the last failure is.</summary>
        public DocumentReader Reader
        {
            get { return _reader; }
        }

        /// <summary>Parses <c>data[offset, +count)</c>.</summary>
        public DocumentStatus TryParse(byte[] data, int offset, int count, out DeviceConfig config)
        {
            config = null;
            ByteRange.Check(data, offset, count);
            _reader.Reset(data, offset, count);
            if (count > MaxBytes)
            {
                return _reader.Fail(DocumentStatus.TooLarge, null, MaxBytes);
            }

            DeviceConfig result = new DeviceConfig();
            result.TelemetryCbor = true;
            int seen = 0;
            DocumentStatus status = _reader.ExpectObject(null);
            while (status == DocumentStatus.Valid)
            {
                int field;
                status = _reader.NextMember(Names, null, ref seen, out field);
                if (status != DocumentStatus.Valid || field < 0)
                {
                    break;
                }

                status = ReadField(field, result);
            }

            if (status == DocumentStatus.Valid && !_reader.ReadEnd())
            {
                status = _reader.SyntaxOr(DocumentStatus.InvalidValue, null);
            }

            if (status == DocumentStatus.Valid)
            {
                status = _reader.RequireMembers(Names, 0x1FF, seen, null, count);
            }

            if (status == DocumentStatus.Valid)
            {
                config = result;
            }

            return status;
        }

        /// <summary>True for a DNS host name (labels of [A-Za-z0-9-], 1..253) or a dotted IPv4 address.</summary>
        public static bool IsHostName(string text)
        {
            if (text == null || text.Length == 0 || text.Length > 253 || text[0] == '.' || text[text.Length - 1] == '.')
            {
                return false;
            }

            int labelLength = 0;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '.')
                {
                    if (labelLength == 0)
                    {
                        return false;
                    }

                    labelLength = 0;
                    continue;
                }

                bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
                if (!allowed || ++labelLength > 63)
                {
                    return false;
                }
            }

            return true;
        }

        private DocumentStatus ReadField(int field, DeviceConfig result)
        {
            string name = Names[field];
            string text;
            long number;
            bool ok;
            switch (field)
            {
                case 0:
                    if (!_reader.ReadInteger(long.MinValue, long.MaxValue, out number))
                    {
                        return _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
                    }

                    return number == DeviceConfig.FormatVersion ? DocumentStatus.Valid : _reader.SyntaxOr(DocumentStatus.UnsupportedFormat, name);
                case 1:
                    ok = _reader.ReadString(out text) && SafeName.IsDeviceId(text);
                    result.DeviceId = text;
                    break;
                case 2:
                    ok = _reader.ReadIdentifier(SafeName.MaxNameLength, out text);
                    result.Product = text;
                    break;
                case 3:
                    ok = _reader.ReadIdentifier(SafeName.MaxNameLength, out text);
                    result.Hardware = text;
                    break;
                case 4:
                    return ReadBroker(name, result);
                case 5:
                    ok = _reader.ReadIdentifier(32, out text);
                    result.TopicPrefix = text;
                    break;
                case 6:
                    ok = _reader.ReadInteger(60, 86400, out number);
                    result.TelemetryIntervalSeconds = (int)number;
                    break;
                case 7:
                    ok = _reader.ReadInteger(10, 600, out number);
                    result.KeepAliveSeconds = (int)number;
                    break;
                case 8:
                    ok = _reader.ReadTimestamp(out number);
                    result.CertificateNotAfterUtc = number;
                    break;
                default:
                    ok = _reader.ReadString(out text) && (text == "cbor" || text == "json");
                    result.TelemetryCbor = text != "json";
                    break;
            }

            return ok ? DocumentStatus.Valid : _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
        }

        private DocumentStatus ReadBroker(string name, DeviceConfig result)
        {
            int seen = 0;
            DocumentStatus status = _reader.ExpectObject(name);
            while (status == DocumentStatus.Valid)
            {
                int member;
                status = _reader.NextMember(BrokerNames, name, ref seen, out member);
                if (status != DocumentStatus.Valid || member < 0)
                {
                    break;
                }

                string text;
                long number;
                bool ok;
                if (member == 0)
                {
                    ok = _reader.ReadString(out text) && IsHostName(text);
                    result.BrokerHost = text;
                }
                else
                {
                    ok = _reader.ReadInteger(1, 65535, out number);
                    result.BrokerPort = (int)number;
                }

                if (!ok)
                {
                    return _reader.SyntaxOr(DocumentStatus.InvalidValue, name + "." + BrokerNames[member]);
                }
            }

            return status != DocumentStatus.Valid ? status : _reader.RequireMembers(BrokerNames, 3, seen, name, _reader.Json.TokenOffset);
        }
    }
}
