using System;

namespace SecureDevice.Core.Text
{
    /// <summary>
    /// A strict, bounded pull reader for one JSON document (RFC 8259) in a caller-owned UTF-8 byte range.
    /// <para>
    /// Stricter than RFC 8259 where the device gains safety: numbers must be integers in the 64-bit range (no fraction or
    /// exponent), nesting is limited to <see cref="MaxDepth"/>, strings to <see cref="MaxStringLength"/> characters, strings
    /// must be valid UTF-8 without control characters or lone surrogates, and a byte-order mark is rejected. Duplicate member
    /// names are the schema layer's business: the reader reports names, the schema rejects repeats.
    /// </para>
    /// After the first error every <see cref="Read"/> returns <see cref="JsonToken.None"/>; <see cref="Status"/> says why and
    /// <see cref="ErrorOffset"/> where (bytes from the start of the document). Working memory is allocated once by the
    /// constructor; only <see cref="StringValue"/> allocates (the string it returns).
    /// </summary>
    public sealed class JsonReader
    {
        private const int ExpectValue = 0;
        private const int ExpectValueOrEndArray = 1;
        private const int ExpectNameOrEndObject = 2;
        private const int ExpectName = 3;
        private const int ExpectCommaOrEnd = 4;
        private const int ExpectEndOfDocument = 5;

        private readonly bool[] _containerIsArray;
        private readonly JsonStringScanner _strings;
        private byte[] _data;
        private int _start;
        private int _end;
        private int _position;
        private int _depth;
        private int _expect;

        /// <summary>Creates a reader with the given limits.</summary>
        /// <param name="maxDepth">Deepest allowed nesting of objects and arrays, 1..64.</param>
        /// <param name="maxStringLength">Longest allowed string or member name, in UTF-16 characters, 1..4096.</param>
        /// <exception cref="ArgumentOutOfRangeException">A limit is out of range.</exception>
        public JsonReader(int maxDepth, int maxStringLength)
        {
            if (maxDepth < 1 || maxDepth > 64)
            {
                throw new ArgumentOutOfRangeException("maxDepth");
            }

            if (maxStringLength < 1 || maxStringLength > 4096)
            {
                throw new ArgumentOutOfRangeException("maxStringLength");
            }

            _containerIsArray = new bool[maxDepth];
            _strings = new JsonStringScanner(maxStringLength);
            Reset(new byte[0], 0, 0);
        }

        /// <summary>Deepest allowed nesting.</summary>
        public int MaxDepth
        {
            get { return _containerIsArray.Length; }
        }

        /// <summary>Longest allowed string, in characters.</summary>
        public int MaxStringLength
        {
            get { return _strings.Capacity; }
        }

        /// <summary>The last token read.</summary>
        public JsonToken Token { get; private set; }

        /// <summary><see cref="JsonStatus.Ok"/> until the first error.</summary>
        public JsonStatus Status { get; private set; }

        /// <summary>Byte offset of the error from the start of the document, or -1 when there is none.</summary>
        public int ErrorOffset { get; private set; }

        /// <summary>Byte offset of the last token's first byte from the start of the document.</summary>
        public int TokenOffset { get; private set; }

        /// <summary>Value of the last <see cref="JsonToken.Integer"/>.</summary>
        public long IntegerValue { get; private set; }

        /// <summary>Value of the last <see cref="JsonToken.Boolean"/>.</summary>
        public bool BooleanValue { get; private set; }

        /// <summary>Length in characters of the last string or member name.</summary>
        public int StringLength
        {
            get { return _strings.Length; }
        }

        /// <summary>The last string or member name (allocates a new string on each call).</summary>
        public string StringValue
        {
            get { return _strings.CreateString(); }
        }

        /// <summary>Starts reading the document <c>data[offset, +count)</c>. The reader keeps a reference until the next reset.</summary>
        public void Reset(byte[] data, int offset, int count)
        {
            ByteRange.Check(data, offset, count);
            _data = data;
            _start = offset;
            _end = offset + count;
            _position = offset;
            _depth = 0;
            _expect = ExpectValue;
            _strings.Clear();
            Token = JsonToken.None;
            Status = JsonStatus.Ok;
            ErrorOffset = -1;
            TokenOffset = 0;
        }

        /// <summary>True when the last string or member name equals <paramref name="text"/> (ordinal; no allocation).</summary>
        public bool StringEquals(string text)
        {
            return _strings.TextEquals(text);
        }

        /// <summary>Reads the next token.</summary>
        /// <returns>The token, or <see cref="JsonToken.None"/> on error (then see <see cref="Status"/>).</returns>
        public JsonToken Read()
        {
            if (Status != JsonStatus.Ok || Token == JsonToken.EndOfDocument)
            {
                return Status != JsonStatus.Ok ? JsonToken.None : JsonToken.EndOfDocument;
            }

            SkipWhiteSpace();
            TokenOffset = _position - _start;
            if (_expect == ExpectEndOfDocument)
            {
                return _position == _end ? SetToken(JsonToken.EndOfDocument) : Fail(JsonStatus.TrailingContent);
            }

            if (_position == _end)
            {
                return Fail(JsonStatus.UnexpectedEnd);
            }

            byte next = _data[_position];
            if (_expect == ExpectCommaOrEnd)
            {
                bool inArray = _containerIsArray[_depth - 1];
                if (next == (byte)',')
                {
                    _position++;
                    _expect = inArray ? ExpectValue : ExpectName;
                    SkipWhiteSpace();
                    TokenOffset = _position - _start;
                    if (_position == _end)
                    {
                        return Fail(JsonStatus.UnexpectedEnd);
                    }

                    next = _data[_position];
                }
                else if ((next == (byte)']' && inArray) || (next == (byte)'}' && !inArray))
                {
                    return CloseContainer();
                }
                else
                {
                    return Fail(JsonStatus.UnexpectedCharacter);
                }
            }

            if (_expect == ExpectNameOrEndObject || _expect == ExpectName)
            {
                if (next == (byte)'}' && _expect == ExpectNameOrEndObject)
                {
                    return CloseContainer();
                }

                if (next != (byte)'"' || !ReadString())
                {
                    return Status == JsonStatus.Ok ? Fail(JsonStatus.UnexpectedCharacter) : JsonToken.None;
                }

                SkipWhiteSpace();
                if (_position == _end)
                {
                    return Fail(JsonStatus.UnexpectedEnd);
                }

                if (_data[_position] != (byte)':')
                {
                    return Fail(JsonStatus.UnexpectedCharacter);
                }

                _position++;
                _expect = ExpectValue;
                return SetToken(JsonToken.PropertyName);
            }

            if (_expect == ExpectValueOrEndArray && next == (byte)']')
            {
                return CloseContainer();
            }

            return ReadValue(next);
        }

        /// <summary>
        /// Skips the value that starts at the next token (a whole object or array included). Use after a
        /// <see cref="JsonToken.PropertyName"/> whose value is not needed.
        /// </summary>
        /// <returns>False on a syntax error.</returns>
        public bool SkipValue()
        {
            JsonToken token = Read();
            if (token == JsonToken.StartObject || token == JsonToken.StartArray)
            {
                int depth = _depth - 1;
                while (_depth > depth)
                {
                    if (Read() == JsonToken.None)
                    {
                        return false;
                    }
                }

                return true;
            }

            return token != JsonToken.None && token != JsonToken.EndOfDocument && token != JsonToken.PropertyName
                && token != JsonToken.EndObject && token != JsonToken.EndArray;
        }

        private JsonToken ReadValue(byte next)
        {
            if (next == (byte)'{' || next == (byte)'[')
            {
                if (_depth == _containerIsArray.Length)
                {
                    return Fail(JsonStatus.TooDeep);
                }

                bool isArray = next == (byte)'[';
                _containerIsArray[_depth++] = isArray;
                _position++;
                _expect = isArray ? ExpectValueOrEndArray : ExpectNameOrEndObject;
                return SetToken(isArray ? JsonToken.StartArray : JsonToken.StartObject);
            }

            JsonToken token;
            if (next == (byte)'"')
            {
                if (!ReadString())
                {
                    return JsonToken.None;
                }

                token = JsonToken.String;
            }
            else if (next == (byte)'-' || (next >= (byte)'0' && next <= (byte)'9'))
            {
                if (!ReadInteger())
                {
                    return JsonToken.None;
                }

                token = JsonToken.Integer;
            }
            else if (MatchLiteral("true"))
            {
                BooleanValue = true;
                token = JsonToken.Boolean;
            }
            else if (MatchLiteral("false"))
            {
                BooleanValue = false;
                token = JsonToken.Boolean;
            }
            else if (MatchLiteral("null"))
            {
                token = JsonToken.Null;
            }
            else
            {
                return Fail(_position == _end ? JsonStatus.UnexpectedEnd : JsonStatus.UnexpectedCharacter);
            }

            AfterValue();
            return SetToken(token);
        }

        private JsonToken CloseContainer()
        {
            _position++;
            _depth--;
            AfterValue();
            return SetToken(_data[_position - 1] == (byte)']' ? JsonToken.EndArray : JsonToken.EndObject);
        }

        private void AfterValue()
        {
            _expect = _depth == 0 ? ExpectEndOfDocument : ExpectCommaOrEnd;
        }

        private bool MatchLiteral(string literal)
        {
            if (_end - _position < literal.Length)
            {
                return false;
            }

            for (int i = 0; i < literal.Length; i++)
            {
                if (_data[_position + i] != (byte)literal[i])
                {
                    return false;
                }
            }

            int after = _position + literal.Length;
            if (after < _end && JsonInteger.IsIdentifierByte(_data[after]))
            {
                return false;
            }

            _position = after;
            return true;
        }

        // Scans the quoted string at _position into the string buffer. On failure the status is already set.
        private bool ReadString()
        {
            bool read = _strings.TryRead(_data, _position, _end);
            _position = _strings.Position;
            if (!read)
            {
                Fail(_strings.Status);
            }

            return read;
        }

        // Scans the integer at _position into IntegerValue. On failure the status is already set.
        private bool ReadInteger()
        {
            int position = _position;
            long value;
            JsonStatus status = JsonInteger.Scan(_data, ref position, _end, out value);
            _position = position;
            if (status != JsonStatus.Ok)
            {
                Fail(status);
                return false;
            }

            IntegerValue = value;
            return true;
        }

        private void SkipWhiteSpace()
        {
            while (_position < _end)
            {
                byte b = _data[_position];
                if (b != (byte)' ' && b != (byte)'\t' && b != (byte)'\n' && b != (byte)'\r')
                {
                    return;
                }

                _position++;
            }
        }

        private JsonToken SetToken(JsonToken token)
        {
            Token = token;
            return token;
        }

        private JsonToken Fail(JsonStatus status)
        {
            if (Status == JsonStatus.Ok)
            {
                Status = status;
                ErrorOffset = _position - _start;
            }

            Token = JsonToken.None;
            return JsonToken.None;
        }
    }
}
