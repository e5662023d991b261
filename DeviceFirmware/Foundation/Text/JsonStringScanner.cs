namespace SecureDevice.Core.Text
{
    /// <summary>
    /// <see cref="JsonReader"/>'s string syntax: a quoted string, strictly UTF-8 without control characters or lone
    /// surrogates, its escapes and surrogate pairs decoded into a character buffer of the reader's maximum length. A scan
    /// starts at the opening quote and ends at <see cref="Position"/>: just after the closing quote, or where the first
    /// error was found (the reader reports it as its error offset). The buffer is allocated once, by the constructor.
    /// </summary>
    internal sealed class JsonStringScanner
    {
        private readonly char[] _characters;
        private byte[] _data;
        private int _end;
        private int _position;
        private int _characterCount;
        private int _errorPosition;

        /// <summary>Creates a scanner for strings of up to <paramref name="maxStringLength"/> UTF-16 characters.</summary>
        internal JsonStringScanner(int maxStringLength)
        {
            _characters = new char[maxStringLength];
        }

        /// <summary>Longest string, in characters.</summary>
        internal int Capacity
        {
            get { return _characters.Length; }
        }

        /// <summary><see cref="JsonStatus.Ok"/>, or why the last scan failed.</summary>
        internal JsonStatus Status { get; private set; }

        /// <summary>After a scan: the byte just after the scalar, or where the first error was found.</summary>
        internal int Position
        {
            get { return Status == JsonStatus.Ok ? _position : _errorPosition; }
        }

        /// <summary>Length in characters of the last string.</summary>
        internal int Length
        {
            get { return _characterCount; }
        }

        /// <summary>Forgets the last string.</summary>
        internal void Clear()
        {
            _characterCount = 0;
        }

        /// <summary>The last string (allocates).</summary>
        internal string CreateString()
        {
            return new string(_characters, 0, _characterCount);
        }

        /// <summary>True when the last string equals <paramref name="text"/> (ordinal; no allocation).</summary>
        internal bool TextEquals(string text)
        {
            if (text == null || text.Length != _characterCount)
            {
                return false;
            }

            for (int i = 0; i < _characterCount; i++)
            {
                if (_characters[i] != text[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Scans the quoted string whose opening quote is <c>data[position]</c>.</summary>
        /// <returns>False on an error (<see cref="Status"/>, <see cref="Position"/>).</returns>
        internal bool TryRead(byte[] data, int position, int end)
        {
            Begin(data, position, end);
            return ReadString();
        }

        // Reads a quoted string at _position into _characters. On failure the status is already set.
        private bool ReadString()
        {
            _position++;
            _characterCount = 0;
            while (true)
            {
                if (_position >= _end)
                {
                    Fail(JsonStatus.UnexpectedEnd);
                    return false;
                }

                int b = _data[_position];
                if (b == '"')
                {
                    _position++;
                    return true;
                }

                if (b < 0x20)
                {
                    Fail(JsonStatus.BadString);
                    return false;
                }

                int codePoint;
                if (b == '\\')
                {
                    codePoint = ReadEscape();
                }
                else if (b < 0x80)
                {
                    codePoint = b;
                    _position++;
                }
                else
                {
                    codePoint = ReadUtf8Sequence();
                }

                if (codePoint < 0 || !Append(codePoint))
                {
                    return false;
                }
            }
        }

        // Returns the escaped code point (a surrogate pair is combined), or -1 after setting the status.
        private int ReadEscape()
        {
            if (_position + 1 >= _end)
            {
                Fail(JsonStatus.UnexpectedEnd);
                return -1;
            }

            int kind = _data[_position + 1];
            _position += 2;
            switch (kind)
            {
                case '"':
                    return '"';
                case '\\':
                    return '\\';
                case '/':
                    return '/';
                case 'b':
                    return 8;
                case 'f':
                    return 12;
                case 'n':
                    return 10;
                case 'r':
                    return 13;
                case 't':
                    return 9;
                case 'u':
                    int unit = ReadHex4();
                    if (unit < 0)
                    {
                        return -1;
                    }

                    if (unit >= 0xDC00 && unit <= 0xDFFF)
                    {
                        Fail(JsonStatus.BadString);
                        return -1;
                    }

                    if (unit < 0xD800 || unit > 0xDBFF)
                    {
                        return unit;
                    }

                    if (_position + 1 >= _end || _data[_position] != (byte)'\\' || _data[_position + 1] != (byte)'u')
                    {
                        Fail(JsonStatus.BadString);
                        return -1;
                    }

                    _position += 2;
                    int low = ReadHex4();
                    if (low < 0xDC00 || low > 0xDFFF)
                    {
                        Fail(JsonStatus.BadString);
                        return -1;
                    }

                    return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                default:
                    _position -= 2;
                    Fail(JsonStatus.BadString);
                    return -1;
            }
        }

        private int ReadHex4()
        {
            if (_end - _position < 4)
            {
                Fail(JsonStatus.UnexpectedEnd);
                return -1;
            }

            int value = 0;
            for (int i = 0; i < 4; i++)
            {
                int c = _data[_position];
                int digit;
                if (c >= '0' && c <= '9')
                {
                    digit = c - '0';
                }
                else if (c >= 'a' && c <= 'f')
                {
                    digit = c - 'a' + 10;
                }
                else if (c >= 'A' && c <= 'F')
                {
                    digit = c - 'A' + 10;
                }
                else
                {
                    Fail(JsonStatus.BadString);
                    return -1;
                }

                value = (value << 4) | digit;
                _position++;
            }

            return value;
        }

        // Decodes one multi-byte UTF-8 sequence strictly (no overlong forms, no surrogates, at most U+10FFFF).
        private int ReadUtf8Sequence()
        {
            int lead = _data[_position];
            int length;
            int minimum;
            int codePoint;
            if (lead >= 0xC2 && lead <= 0xDF)
            {
                length = 2;
                minimum = 0x80;
                codePoint = lead & 0x1F;
            }
            else if (lead >= 0xE0 && lead <= 0xEF)
            {
                length = 3;
                minimum = 0x800;
                codePoint = lead & 0x0F;
            }
            else if (lead >= 0xF0 && lead <= 0xF4)
            {
                length = 4;
                minimum = 0x10000;
                codePoint = lead & 0x07;
            }
            else
            {
                Fail(JsonStatus.BadString);
                return -1;
            }

            if (_end - _position < length)
            {
                Fail(JsonStatus.UnexpectedEnd);
                return -1;
            }

            for (int i = 1; i < length; i++)
            {
                int continuation = _data[_position + i];
                if ((continuation & 0xC0) != 0x80)
                {
                    Fail(JsonStatus.BadString);
                    return -1;
                }

                codePoint = (codePoint << 6) | (continuation & 0x3F);
            }

            if (codePoint < minimum || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF))
            {
                Fail(JsonStatus.BadString);
                return -1;
            }

            _position += length;
            return codePoint;
        }

        private bool Append(int codePoint)
        {
            int needed = codePoint >= 0x10000 ? 2 : 1;
            if (_characterCount + needed > _characters.Length)
            {
                Fail(JsonStatus.StringTooLong);
                return false;
            }

            if (needed == 1)
            {
                _characters[_characterCount++] = (char)codePoint;
            }
            else
            {
                int value = codePoint - 0x10000;
                _characters[_characterCount++] = (char)(0xD800 + (value >> 10));
                _characters[_characterCount++] = (char)(0xDC00 + (value & 0x3FF));
            }

            return true;
        }

        private void Begin(byte[] data, int position, int end)
        {
            _data = data;
            _position = position;
            _end = end;
            Status = JsonStatus.Ok;
        }

        // Records the first error and where it was found; later ones (a failed \u escape's follow-up) change nothing.
        private void Fail(JsonStatus status)
        {
            if (Status == JsonStatus.Ok)
            {
                Status = status;
                _errorPosition = _position;
            }
        }
    }
}
