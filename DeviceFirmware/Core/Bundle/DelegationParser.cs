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
            DocumentStatus status = _reader.ExpectObject(null);
            int seen = 0;
            while (status == DocumentStatus.Valid)
            {
                int field;
                status = _reader.NextMember(FieldNames, null, ref seen, out field);
                if (status != DocumentStatus.Valid || field < 0)
                {
                    break;
                }

                status = ReadField(field, result);
            }

            if (status != DocumentStatus.Valid)
            {
                return status;
            }

            if (!_reader.ReadEnd())
            {
                return _reader.SyntaxOr(DocumentStatus.InvalidValue, null);
            }

            int end = _reader.Json.TokenOffset;
            status = _reader.RequireMembers(FieldNames, Required, seen, null, end);
            if (status == DocumentStatus.Valid && result.NotAfterUnixSeconds <= result.NotBeforeUnixSeconds)
            {
                status = _reader.Fail(DocumentStatus.Inconsistent, "notAfter", end);
            }

            return status;
        }

        private DocumentStatus ReadField(int field, Delegation result)
        {
            string name = FieldNames[field];
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

                    return number == Delegation.FormatVersion ? DocumentStatus.Valid : _reader.SyntaxOr(DocumentStatus.UnsupportedFormat, name);
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
                    // An explicit list must name something; "any product" is expressed by leaving the member out.
                    DocumentStatus status;
                    result.ProductCount = _reader.ReadIdentifierArray(name, result.Products, 1, Manifest.MaxNameLength, out status);
                    return status;
            }

            return ok ? DocumentStatus.Valid : _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
        }
    }
}
