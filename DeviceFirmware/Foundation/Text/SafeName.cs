namespace SecureDevice.Core.Text
{
    /// <summary>
    /// The character sets that names from signed documents and inbound messages may use. Restricting them at parse time
    /// makes path traversal, topic injection and confusable names impossible further on.
    /// </summary>
    public static class SafeName
    {
        /// <summary>Longest product id, hardware model, key id or file name, in manifests and in the device configuration.</summary>
        public const int MaxNameLength = 48;

        /// <summary>
        /// Identifier: 1..<paramref name="maxLength"/> characters of [A-Za-z0-9._-], starting with a letter or digit, without "..".
        /// Used for product ids, hardware models, key ids and file names.
        /// </summary>
        public static bool IsIdentifier(string text, int maxLength)
        {
            if (text == null || text.Length == 0 || text.Length > maxLength || !IsLetterOrDigit(text[0]))
            {
                return false;
            }

            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (!IsLetterOrDigit(c) && c != '.' && c != '_' && c != '-')
                {
                    return false;
                }

                if (c == '.' && i > 0 && text[i - 1] == '.')
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>
        /// Payload file name: an <see cref="IsIdentifier"/> of at most <paramref name="maxLength"/> characters ending in ".pe"
        /// (nanoFramework assemblies are the only payload the loader knows how to use).
        /// </summary>
        public static bool IsAssemblyFileName(string text, int maxLength)
        {
            return IsIdentifier(text, maxLength) && text.Length > 3 && AsciiText.EndsWith(text, ".pe");
        }

        /// <summary>
        /// Dotted CLR name: identifiers [A-Za-z_][A-Za-z0-9_]* joined by single dots, 1..<paramref name="maxLength"/> characters.
        /// Used for the entry point's assembly, type and method names.
        /// </summary>
        public static bool IsDottedName(string text, int maxLength)
        {
            if (text == null || text.Length == 0 || text.Length > maxLength)
            {
                return false;
            }

            bool atStart = true;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '.')
                {
                    if (atStart)
                    {
                        return false;
                    }

                    atStart = true;
                    continue;
                }

                bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
                if (!letter && !(c >= '0' && c <= '9' && !atStart))
                {
                    return false;
                }

                atStart = false;
            }

            return !atStart;
        }

        /// <summary>Device id: 1..64 characters of [A-Za-z0-9_-]; it becomes one MQTT topic level, so no '/', '+' or '#'.</summary>
        public static bool IsDeviceId(string text)
        {
            if (text == null || text.Length == 0 || text.Length > 64)
            {
                return false;
            }

            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (!IsLetterOrDigit(c) && c != '_' && c != '-')
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsLetterOrDigit(char c)
        {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        }
    }
}
