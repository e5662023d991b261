using SecureDevice.Core.Text;

namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// Parses manifest format 1 (docs/bundle-format.md) with hard limits: at most <see cref="MaxManifestBytes"/> bytes,
    /// nesting depth 3, strings of at most 128 characters, the counts and character sets of <see cref="Manifest"/>;
    /// unknown and duplicate members are rejected. On failure <see cref="Reader"/> says where. One instance parses one
    /// manifest at a time; its readers are allocated once.
    /// </summary>
    public sealed class ManifestParser
    {
        /// <summary>Largest manifest accepted, in bytes.</summary>
        public const int MaxManifestBytes = 4096;

        private const int FieldFormat = 0;
        private const int FieldProduct = 1;
        private const int FieldHardware = 2;
        private const int FieldVersion = 3;
        private const int FieldSecurityVersion = 4;
        private const int FieldMinLoaderVersion = 5;
        private const int FieldCreated = 6;
        private const int FieldExpires = 7;
        private const int FieldKeyId = 8;
        private const int FieldEntry = 9;
        private const int FieldRevokes = 10;
        private const int FieldFiles = 11;

        // Every member except "expires" and "revokes".
        private const int Required = 0xB7F;

        private static readonly string[] FieldNames = new string[]
        {
            "format", "product", "hardware", "version", "securityVersion", "minLoaderVersion", "created", "expires",
            "keyId", "entry", "revokes", "files",
        };

        private static readonly string[] EntryNames = new string[] { "assembly", "type", "method" };
        private static readonly string[] FileNames = new string[] { "name", "size", "sha256" };

        private readonly DocumentReader _reader = new DocumentReader(3, 128);
        private readonly byte[] _hash = new byte[32];

        /// <summary>Where the last failure is (offset, member, JSON status).</summary>
        public DocumentReader Reader
        {
            get { return _reader; }
        }

        /// <summary>Parses <c>data[offset, +count)</c>. The caller keeps the buffer; the manifest holds copies of everything.</summary>
        /// <returns><see cref="DocumentStatus.Valid"/> with <paramref name="manifest"/> set, or the reason with it null.</returns>
        public DocumentStatus TryParse(byte[] data, int offset, int count, out Manifest manifest)
        {
            manifest = null;
            ByteRange.Check(data, offset, count);
            _reader.Reset(data, offset, count);
            if (count > MaxManifestBytes)
            {
                return _reader.Fail(DocumentStatus.TooLarge, null, MaxManifestBytes);
            }

            Manifest result = new Manifest();
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

            status = _reader.RequireMembers(FieldNames, Required, seen, null, count);
            if (status != DocumentStatus.Valid)
            {
                return status;
            }

            DocumentStatus consistency = CheckConsistency(result, count);
            if (consistency != DocumentStatus.Valid)
            {
                return consistency;
            }

            manifest = result;
            return DocumentStatus.Valid;
        }

        /// <summary>One line describing the last failure, e.g. "malformed manifest at byte 57: field 'version': invalid value".</summary>
        public string Describe(DocumentStatus status)
        {
            return _reader.Describe("manifest", status);
        }

        private DocumentStatus ReadField(int field, Manifest result)
        {
            string name = FieldNames[field];
            long number;
            string text;
            bool ok;
            DocumentStatus status;
            switch (field)
            {
                case FieldFormat:
                    if (!_reader.ReadInteger(long.MinValue, long.MaxValue, out number))
                    {
                        return _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
                    }

                    return number == Manifest.FormatVersion ? DocumentStatus.Valid : _reader.SyntaxOr(DocumentStatus.UnsupportedFormat, name);
                case FieldProduct:
                    ok = _reader.ReadIdentifier(Manifest.MaxNameLength, out text);
                    result.Product = text;
                    break;
                case FieldHardware:
                    result.HardwareCount = _reader.ReadIdentifierArray(name, result.Hardware, 1, Manifest.MaxNameLength, out status);
                    return status;
                case FieldVersion:
                    AppVersion version = null;
                    ok = _reader.ReadString(out text) && AppVersion.TryParse(text, out version);
                    result.Version = version;
                    break;
                case FieldSecurityVersion:
                    ok = _reader.ReadInteger(0, int.MaxValue, out number);
                    result.SecurityVersion = number;
                    break;
                case FieldMinLoaderVersion:
                    ok = _reader.ReadInteger(0, int.MaxValue, out number);
                    result.MinLoaderVersion = number;
                    break;
                case FieldCreated:
                    ok = _reader.ReadTimestamp(out number);
                    result.CreatedUnixSeconds = number;
                    break;
                case FieldExpires:
                    ok = _reader.ReadTimestamp(out number);
                    result.ExpiresUnixSeconds = number;
                    break;
                case FieldKeyId:
                    ok = _reader.ReadIdentifier(Manifest.MaxNameLength, out text);
                    result.KeyId = text;
                    break;
                case FieldEntry:
                    return ReadEntry(name, result);
                case FieldRevokes:
                    result.RevokeCount = _reader.ReadIdentifierArray(name, result.Revokes, 0, Manifest.MaxNameLength, out status);
                    return status;
                default:
                    return ReadFiles(name, result);
            }

            return ok ? DocumentStatus.Valid : _reader.SyntaxOr(DocumentStatus.InvalidValue, name);
        }

        private DocumentStatus ReadEntry(string name, Manifest result)
        {
            DocumentStatus status = _reader.ExpectObject(name);
            int seen = 0;
            while (status == DocumentStatus.Valid)
            {
                int member;
                status = _reader.NextMember(EntryNames, name, ref seen, out member);
                if (status != DocumentStatus.Valid || member < 0)
                {
                    break;
                }

                string text;
                if (!_reader.ReadString(out text) || !SafeName.IsDottedName(text, Manifest.MaxDottedNameLength))
                {
                    return _reader.SyntaxOr(DocumentStatus.InvalidValue, name + "." + EntryNames[member]);
                }

                if (member == 0)
                {
                    result.EntryAssembly = text;
                }
                else if (member == 1)
                {
                    result.EntryType = text;
                }
                else
                {
                    result.EntryMethod = text;
                }
            }

            return status != DocumentStatus.Valid ? status : _reader.RequireMembers(EntryNames, 7, seen, name, _reader.Json.TokenOffset);
        }

        private DocumentStatus ReadFiles(string name, Manifest result)
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

                string item = name + "[" + count.ToString() + "]";
                if (token != JsonToken.StartObject || count == Manifest.MaxFiles)
                {
                    return _reader.SyntaxOr(DocumentStatus.InvalidValue, item);
                }

                string fileName = null;
                long size = 0;
                int seen = 0;
                DocumentStatus status = DocumentStatus.Valid;
                while (status == DocumentStatus.Valid)
                {
                    int member;
                    status = _reader.NextMember(FileNames, item, ref seen, out member);
                    if (status != DocumentStatus.Valid || member < 0)
                    {
                        break;
                    }

                    bool ok;
                    if (member == 0)
                    {
                        ok = _reader.ReadString(out fileName) && SafeName.IsAssemblyFileName(fileName, Manifest.MaxNameLength);
                    }
                    else if (member == 1)
                    {
                        ok = _reader.ReadInteger(1, Manifest.MaxFileSize, out size);
                    }
                    else
                    {
                        ok = _reader.ReadLowerHex(32, _hash, 0);
                    }

                    if (!ok)
                    {
                        return _reader.SyntaxOr(DocumentStatus.InvalidValue, item + "." + FileNames[member]);
                    }
                }

                if (status == DocumentStatus.Valid)
                {
                    status = _reader.RequireMembers(FileNames, 7, seen, item, json.TokenOffset);
                }

                if (status != DocumentStatus.Valid)
                {
                    return status;
                }

                for (int i = 0; i < count; i++)
                {
                    // LittleFS is case-sensitive, FAT is not: names differing only in case are refused everywhere.
                    if (AsciiText.EqualsIgnoreCase(result.Files[i].Name, fileName))
                    {
                        return _reader.Fail(DocumentStatus.Inconsistent, item + ".name", json.TokenOffset);
                    }
                }

                result.Files[count++] = new BundleFile(fileName, size, _hash);
            }

            if (count == 0)
            {
                return _reader.Fail(DocumentStatus.InvalidValue, name, json.TokenOffset);
            }

            result.FileCount = count;
            return DocumentStatus.Valid;
        }

        private DocumentStatus CheckConsistency(Manifest manifest, int end)
        {
            if (manifest.IndexOfFile(manifest.EntryAssembly + ".pe") < 0)
            {
                return _reader.Fail(DocumentStatus.Inconsistent, "entry.assembly", end);
            }

            if (manifest.ExpiresUnixSeconds >= 0 && manifest.ExpiresUnixSeconds <= manifest.CreatedUnixSeconds)
            {
                return _reader.Fail(DocumentStatus.Inconsistent, "expires", end);
            }

            for (int i = 0; i < manifest.RevokeCount; i++)
            {
                if (manifest.Revokes[i] == manifest.KeyId)
                {
                    return _reader.Fail(DocumentStatus.Inconsistent, "revokes", end);
                }
            }

            return DocumentStatus.Valid;
        }
    }
}
