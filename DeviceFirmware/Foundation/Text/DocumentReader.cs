namespace SecureDevice.Core.Text
{
    /// <summary>
    /// Schema-level helpers over <see cref="JsonReader"/> shared by the document parsers: typed reads with the safe
    /// character sets, member-name matching, and one place that records the first error's status, byte offset and member.
    /// </summary>
    public sealed class DocumentReader
    {
        /// <summary>Creates a reader with the given JSON limits (see <see cref="JsonReader"/>).</summary>
        public DocumentReader(int maxDepth, int maxStringLength)
        {
            Json = new JsonReader(maxDepth, maxStringLength);
        }

        /// <summary>The underlying token reader.</summary>
        public JsonReader Json { get; private set; }

        /// <summary>Byte offset of the first problem from the start of the document, or -1.</summary>
        public int ErrorOffset { get; private set; }

        /// <summary>The member the problem is in, or null.</summary>
        public string ErrorField { get; private set; }

        /// <summary>The JSON reader's status when the problem is <see cref="DocumentStatus.SyntaxError"/>.</summary>
        public JsonStatus SyntaxStatus { get; private set; }

        /// <summary>Starts a new document and clears the error.</summary>
        public void Reset(byte[] data, int offset, int count)
        {
            Json.Reset(data, offset, count);
            ErrorOffset = -1;
            ErrorField = null;
            SyntaxStatus = JsonStatus.Ok;
        }

        /// <summary>Records a problem at <paramref name="offset"/> and returns <paramref name="status"/>.</summary>
        public DocumentStatus Fail(DocumentStatus status, string field, int offset)
        {
            ErrorOffset = offset;
            ErrorField = field;
            return status;
        }

        /// <summary>Records a JSON syntax error if there is one (it wins over the schema problem it caused), else <paramref name="status"/> at the current token.</summary>
        public DocumentStatus SyntaxOr(DocumentStatus status, string field)
        {
            if (Json.Status != JsonStatus.Ok)
            {
                SyntaxStatus = Json.Status;
                return Fail(DocumentStatus.SyntaxError, field, Json.ErrorOffset);
            }

            return Fail(status, field, Json.TokenOffset);
        }

        /// <summary>Index of the current member name in <paramref name="names"/>, or -1.</summary>
        public int MatchName(string[] names)
        {
            for (int i = 0; i < names.Length; i++)
            {
                if (Json.StringEquals(names[i]))
                {
                    return i;
                }
            }

            return -1;
        }

        /// <summary>Reads the next token as the start of an object (the value of <paramref name="field"/>, or the document).</summary>
        /// <returns><see cref="DocumentStatus.Valid"/>, or the failure recorded against <paramref name="field"/>.</returns>
        public DocumentStatus ExpectObject(string field)
        {
            return Json.Read() == JsonToken.StartObject ? DocumentStatus.Valid : SyntaxOr(DocumentStatus.InvalidValue, field);
        }

        /// <summary>
        /// Reads the next member name of the current object. Unknown names and names already in <paramref name="seen"/>
        /// (one bit per entry of <paramref name="names"/>) fail; a known name is added to <paramref name="seen"/>.
        /// Errors name the member as <paramref name="prefix"/> + "." + name (just the name when the prefix is null).
        /// </summary>
        /// <returns>
        /// <see cref="DocumentStatus.Valid"/> with <paramref name="index"/> the member's index in <paramref name="names"/>,
        /// or with <paramref name="index"/> -1 at the end of the object; otherwise the failure.
        /// </returns>
        public DocumentStatus NextMember(string[] names, string prefix, ref int seen, out int index)
        {
            index = -1;
            JsonToken token = Json.Read();
            if (token == JsonToken.EndObject)
            {
                return DocumentStatus.Valid;
            }

            if (token != JsonToken.PropertyName)
            {
                return SyntaxOr(DocumentStatus.InvalidValue, prefix);
            }

            int match = MatchName(names);
            string member = prefix == null ? Json.StringValue : prefix + "." + Json.StringValue;
            if (match < 0)
            {
                return Fail(DocumentStatus.UnknownField, member, Json.TokenOffset);
            }

            if ((seen & (1 << match)) != 0)
            {
                return Fail(DocumentStatus.DuplicateField, member, Json.TokenOffset);
            }

            seen |= 1 << match;
            index = match;
            return DocumentStatus.Valid;
        }

        /// <summary>Fails with <see cref="DocumentStatus.MissingField"/> for the first name in <paramref name="requiredMask"/> not in <paramref name="seen"/>.</summary>
        public DocumentStatus RequireMembers(string[] names, int requiredMask, int seen, string prefix, int offset)
        {
            for (int i = 0; i < names.Length; i++)
            {
                if ((requiredMask & (1 << i)) != 0 && (seen & (1 << i)) == 0)
                {
                    return Fail(DocumentStatus.MissingField, prefix == null ? names[i] : prefix + "." + names[i], offset);
                }
            }

            return DocumentStatus.Valid;
        }

        /// <summary>
        /// Reads an array of <see cref="SafeName.IsIdentifier"/> strings into <paramref name="target"/>: at least
        /// <paramref name="minimum"/>, at most <c>target.Length</c>, no repeats.
        /// </summary>
        /// <returns>The number read, or -1 after recording the failure against <paramref name="field"/>.</returns>
        public int ReadIdentifierArray(string field, string[] target, int minimum, int maxLength, out DocumentStatus status)
        {
            status = DocumentStatus.Valid;
            if (Json.Read() != JsonToken.StartArray)
            {
                status = SyntaxOr(DocumentStatus.InvalidValue, field);
                return -1;
            }

            int count = 0;
            while (true)
            {
                JsonToken token = Json.Read();
                if (token == JsonToken.EndArray)
                {
                    break;
                }

                if (token != JsonToken.String || count == target.Length || !SafeName.IsIdentifier(Json.StringValue, maxLength))
                {
                    status = SyntaxOr(DocumentStatus.InvalidValue, field);
                    return -1;
                }

                string value = Json.StringValue;
                for (int i = 0; i < count; i++)
                {
                    if (target[i] == value)
                    {
                        status = Fail(DocumentStatus.Inconsistent, field, Json.TokenOffset);
                        return -1;
                    }
                }

                target[count++] = value;
            }

            if (count < minimum)
            {
                status = Fail(DocumentStatus.InvalidValue, field, Json.TokenOffset);
                return -1;
            }

            return count;
        }

        /// <summary>Reads the next value as a string.</summary>
        public bool ReadString(out string text)
        {
            text = null;
            if (Json.Read() != JsonToken.String)
            {
                return false;
            }

            text = Json.StringValue;
            return true;
        }

        /// <summary>Reads the next value as an integer within [minimum, maximum].</summary>
        public bool ReadInteger(long minimum, long maximum, out long value)
        {
            value = 0;
            if (Json.Read() != JsonToken.Integer || Json.IntegerValue < minimum || Json.IntegerValue > maximum)
            {
                return false;
            }

            value = Json.IntegerValue;
            return true;
        }

        /// <summary>Reads the next value as a <see cref="SafeName.IsIdentifier"/> string.</summary>
        public bool ReadIdentifier(int maxLength, out string text)
        {
            return ReadString(out text) && SafeName.IsIdentifier(text, maxLength);
        }

        /// <summary>Reads the next value as a <see cref="UtcTimestamp"/> string.</summary>
        public bool ReadTimestamp(out long unixSeconds)
        {
            unixSeconds = 0;
            string text;
            return ReadString(out text) && UtcTimestamp.TryParse(text, out unixSeconds);
        }

        /// <summary>Reads the next value as exactly <c>2 * byteCount</c> lower-case hex digits into <paramref name="destination"/>.</summary>
        public bool ReadLowerHex(int byteCount, byte[] destination, int destinationOffset)
        {
            string text;
            if (!ReadString(out text) || text.Length != 2 * byteCount)
            {
                return false;
            }

            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
                {
                    return false;
                }
            }

            return Hex.TryDecode(text, 0, byteCount, destination, destinationOffset);
        }

        /// <summary>Reads the end of the document: nothing but white space may follow the top-level object.</summary>
        public bool ReadEnd()
        {
            return Json.Read() == JsonToken.EndOfDocument;
        }

        /// <summary>One line describing the last failure, e.g. "malformed manifest at byte 57: field 'version': invalid value".</summary>
        public string Describe(string documentName, DocumentStatus status)
        {
            string text = "malformed " + documentName + " at byte " + ErrorOffset.ToString() + ": ";
            if (ErrorField != null)
            {
                text += "field '" + ErrorField + "': ";
            }

            text += StatusName(status);
            if (status == DocumentStatus.SyntaxError)
            {
                text += " (" + JsonStatusName(SyntaxStatus) + ")";
            }

            return text;
        }

        /// <summary>Stable lower-case text for a status.</summary>
        public static string StatusName(DocumentStatus status)
        {
            switch (status)
            {
                case DocumentStatus.Valid: return "valid";
                case DocumentStatus.TooLarge: return "too large";
                case DocumentStatus.BadFrame: return "bad frame";
                case DocumentStatus.SyntaxError: return "syntax error";
                case DocumentStatus.UnknownField: return "unknown field";
                case DocumentStatus.DuplicateField: return "duplicate field";
                case DocumentStatus.MissingField: return "missing field";
                case DocumentStatus.InvalidValue: return "invalid value";
                case DocumentStatus.UnsupportedFormat: return "unsupported format";
                case DocumentStatus.Inconsistent: return "inconsistent";
                default: return "not parsed";
            }
        }

        /// <summary>Stable lower-case text for a JSON reader status.</summary>
        public static string JsonStatusName(JsonStatus status)
        {
            switch (status)
            {
                case JsonStatus.Ok: return "ok";
                case JsonStatus.UnexpectedEnd: return "unexpected end";
                case JsonStatus.UnexpectedCharacter: return "unexpected character";
                case JsonStatus.TooDeep: return "nested too deep";
                case JsonStatus.StringTooLong: return "string too long";
                case JsonStatus.BadString: return "bad string";
                case JsonStatus.BadNumber: return "bad number";
                default: return "trailing content";
            }
        }
    }
}
