using SecureDevice.Core.Text;

namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// Parses a delegation file: the ASCII magic "SDDELEG1", a big-endian 16-bit body length N (1..<see cref="MaxBodyBytes"/>),
    /// N bytes of JSON body, and the root's 64-byte Ed25519 signature over everything before it. Nothing may follow.
    /// The body is parsed with the same strictness as a manifest (unknown or duplicate members rejected).
    /// </summary>
    public sealed class DelegationParser
    {
        /// <summary>Magic at the start of every delegation file.</summary>
        public const string Magic = "SDDELEG1";

        /// <summary>Size of the frame header: magic and length.</summary>
        public const int HeaderSize = 10;

        /// <summary>Largest JSON body accepted, in bytes.</summary>
        public const int MaxBodyBytes = 1024;

        private static readonly string[] FieldNames = new string[]
        {
            "format", "root", "keyId", "publicKey", "notBefore", "notAfter", "minSecurityVersion", "products",
        };

        // Every member except "products".
        private const int Required = 0x7F;

        private readonly DocumentReader _reader = new DocumentReader(2, 96);

        /// <summary>Where the last failure is (offset from the start of the file, member, JSON status).</summary>
        public DocumentReader Reader
        {
            get { return _reader; }
        }

        /// <summary>Largest delegation file, in bytes.</summary>
        public static int MaxFileBytes
        {
            get { return HeaderSize + MaxBodyBytes + 64; }
        }

        /// <summary>Parses the delegation file in <c>data[offset, +count)</c>.</summary>
        /// <returns><see cref="DocumentStatus.Valid"/> with <paramref name="delegation"/> set, or the reason with it null.</returns>
        public DocumentStatus TryParse(byte[] data, int offset, int count, out Delegation delegation)
        {
            delegation = null;
            ByteRange.Check(data, offset, count);
            _reader.Reset(data, offset, 0);
            if (count < HeaderSize + 2 + 64)
            {
                return _reader.Fail(DocumentStatus.BadFrame, null, 0);
            }

            for (int i = 0; i < Magic.Length; i++)
            {
                if (data[offset + i] != (byte)Magic[i])
                {
                    return _reader.Fail(DocumentStatus.BadFrame, null, i);
                }
            }

            int bodyLength = (data[offset + 8] << 8) | data[offset + 9];
            if (bodyLength < 2 || bodyLength > MaxBodyBytes || count != HeaderSize + bodyLength + 64)
            {
                return _reader.Fail(DocumentStatus.BadFrame, null, 8);
            }

            Delegation result = new Delegation();
            result.SignedLength = HeaderSize + bodyLength;
            System.Array.Copy(data, offset + HeaderSize + bodyLength, result.Signature, 0, 64);
            _reader.Reset(data, offset + HeaderSize, bodyLength);
            DocumentStatus status = ParseBody(result);
            if (status != DocumentStatus.Valid)
            {
                // Offsets are reported from the start of the file.
                return _reader.Fail(status, _reader.ErrorField, _reader.ErrorOffset + HeaderSize);
            }

            delegation = result;
            return DocumentStatus.Valid;
        }

        /// <summary>One line describing the last failure.</summary>
        public string Describe(DocumentStatus status)
        {
            return _reader.Describe("delegation", status);
        }

        private DocumentStatus ParseBody(Delegation result)
        {
            JsonReader json = _reader.Json;
            if (json.Read() != JsonToken.StartObject)
            {
                return _reader.SyntaxOr(DocumentStatus.InvalidValue, null);
            }

            int seen = 0;
            while (true)
            {
                JsonToken token = json.Read();
                if (token == JsonToken.EndObject)
                {
                    break;
                }

                if (token != JsonToken.PropertyName)
                {
                    return _reader.SyntaxOr(DocumentStatus.InvalidValue, null);
                }

                int field = _reader.MatchName(FieldNames);
                if (field < 0)
                {
                    return _reader.Fail(DocumentStatus.UnknownField, json.StringValue, json.TokenOffset);
                }

                string name = FieldNames[field];
                if ((seen & (1 << field)) != 0)
                {
                    return _reader.Fail(DocumentStatus.DuplicateField, name, json.TokenOffset);
                }

                seen |= 1 << field;
                long number;
                string text;
                bool ok;
                switch (field)
                {
                    case 0:
                        if (!_reader.ReadInteger(long.MinValue, long.MaxValue, out number))
                        {
                            return _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
                        }

                        if (number != Delegation.FormatVersion)
                        {
                            return _reader.SyntaxOr(DocumentStatus.UnsupportedFormat, name);
                        }

                        ok = true;
                        break;
                    case 1:
                        ok = _reader.ReadLowerHex(TrustAnchors.FingerprintSize, result.RootFingerprint, 0);
                        break;
                    case 2:
                        ok = _reader.ReadIdentifier(Manifest.MaxNameLength, out text);
                        result.KeyId = text;
                        break;
                    case 3:
                        ok = _reader.ReadLowerHex(32, result.PublicKey, 0);
                        break;
                    case 4:
                        ok = _reader.ReadTimestamp(out number);
                        result.NotBeforeUnixSeconds = number;
                        break;
                    case 5:
                        ok = _reader.ReadTimestamp(out number);
                        result.NotAfterUnixSeconds = number;
                        break;
                    case 6:
                        ok = _reader.ReadInteger(0, int.MaxValue, out number);
                        result.MinSecurityVersion = number;
                        break;
                    default:
                        DocumentStatus products = ReadProducts(name, result);
                        if (products != DocumentStatus.Valid)
                        {
                            return products;
                        }

                        ok = true;
                        break;
                }

                if (!ok)
                {
                    return _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
                }
            }

            if (!_reader.ReadEnd())
            {
                return _reader.SyntaxOr(DocumentStatus.InvalidValue, null);
            }

            for (int i = 0; i < FieldNames.Length; i++)
            {
                if ((Required & (1 << i)) != 0 && (seen & (1 << i)) == 0)
                {
                    return _reader.Fail(DocumentStatus.MissingField, FieldNames[i], json.TokenOffset);
                }
            }

            if (result.NotAfterUnixSeconds <= result.NotBeforeUnixSeconds)
            {
                return _reader.Fail(DocumentStatus.Inconsistent, "notAfter", json.TokenOffset);
            }

            return DocumentStatus.Valid;
        }

        private DocumentStatus ReadProducts(string name, Delegation result)
        {
            JsonReader json = _reader.Json;
            if (json.Read() != JsonToken.StartArray)
            {
                return _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
            }

            int count = 0;
            while (true)
            {
                JsonToken token = json.Read();
                if (token == JsonToken.EndArray)
                {
                    break;
                }

                if (token != JsonToken.String || count == Delegation.MaxProducts || !SafeName.IsIdentifier(json.StringValue, Manifest.MaxNameLength))
                {
                    return _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
                }

                result.Products[count++] = json.StringValue;
            }

            // An explicit list must name something; "any product" is expressed by leaving the member out.
            if (count == 0)
            {
                return _reader.Fail(DocumentStatus.InvalidValue, name, json.TokenOffset);
            }

            result.ProductCount = count;
            return DocumentStatus.Valid;
        }
    }
}
