using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// Parses an update offer: <c>{"url": "https://host[:port]/path/", "manifestSha256": "64 hex digits"}</c>. The URL is
    /// where the bundle folder is served (the device fetches url + file name). The optional digest pins the exact manifest,
    /// so a server that answers with another validly signed bundle (an older one, say) is caught even when it is allowed.
    /// The offer itself is not trusted: only the signed manifest is. Refused: other schemes, user info, query, fragment,
    /// spaces, backslashes, non-ASCII, URLs over 200 characters, payloads over <see cref="MaxPayloadBytes"/>.
    /// </summary>
    public sealed class UpdateOfferParser
    {
        /// <summary>Largest offer payload accepted.</summary>
        public const int MaxPayloadBytes = 512;

        private static readonly string[] Names = new string[] { "url", "manifestSha256" };
        private readonly DocumentReader _reader = new DocumentReader(2, UpdateJournal.MaxUrlLength);

        /// <summary>Where the last failure is.</summary>
        public DocumentReader Reader
        {
            get { return _reader; }
        }

        /// <summary>Parses <c>payload[offset, +count)</c>.</summary>
        /// <returns><see cref="DocumentStatus.Valid"/> with <paramref name="offer"/> set, or the reason with it null.</returns>
        public DocumentStatus TryParse(byte[] payload, int offset, int count, out UpdateOffer offer)
        {
            offer = null;
            ByteRange.Check(payload, offset, count);
            _reader.Reset(payload, offset, count);
            if (count > MaxPayloadBytes)
            {
                return _reader.Fail(DocumentStatus.TooLarge, null, MaxPayloadBytes);
            }

            string url = null;
            byte[] digest = new byte[32];
            int seen = 0;
            DocumentStatus status = _reader.ExpectObject(null);
            while (status == DocumentStatus.Valid)
            {
                int member;
                status = _reader.NextMember(Names, null, ref seen, out member);
                if (status != DocumentStatus.Valid || member < 0)
                {
                    break;
                }

                bool ok = member == 0 ? _reader.ReadString(out url) && IsBundleUrl(url) : _reader.ReadLowerHex(32, digest, 0);
                if (!ok)
                {
                    status = _reader.SyntaxOr(DocumentStatus.InvalidValue, Names[member]);
                }
            }

            if (status == DocumentStatus.Valid && !_reader.ReadEnd())
            {
                status = _reader.SyntaxOr(DocumentStatus.InvalidValue, null);
            }

            if (status == DocumentStatus.Valid)
            {
                status = _reader.RequireMembers(Names, 1, seen, null, count);
            }

            if (status == DocumentStatus.Valid)
            {
                offer = new UpdateOffer(url, (seen & 2) != 0, digest);
            }

            return status;
        }

        /// <summary>
        /// True for <c>https://</c> + host (letters, digits, '-', '.') + optional ":port" (1..65535) + a path of
        /// unreserved and sub-delimiter characters and '/', ending in '/'; at most 200 characters.
        /// </summary>
        public static bool IsBundleUrl(string url)
        {
            const string Scheme = "https://";
            if (url == null || url.Length > UpdateJournal.MaxUrlLength || url.Length <= Scheme.Length + 1 || !AsciiText.StartsWith(url, Scheme)
                || url[url.Length - 1] != '/')
            {
                return false;
            }

            int slash = url.IndexOf('/', Scheme.Length);
            string authority = url.Substring(Scheme.Length, slash - Scheme.Length);
            int colon = authority.IndexOf(':');
            string host = colon < 0 ? authority : authority.Substring(0, colon);
            if (!Config.DeviceConfigParser.IsHostName(host))
            {
                return false;
            }

            if (colon >= 0 && !IsPort(authority.Substring(colon + 1)))
            {
                return false;
            }

            for (int i = slash; i < url.Length; i++)
            {
                char c = url[i];
                bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '/' || c == '-' || c == '.' || c == '_' || c == '~' || c == '%' || c == '!' || c == '$' || c == '&'
                    || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ',' || c == ';' || c == '=' || c == ':' || c == '@';
                if (!allowed)
                {
                    return false;
                }

                // A "/../" or "/./" segment would let the URL name something other than what it shows.
                if (c == '/' && i + 2 < url.Length && url[i + 1] == '.' && (url[i + 2] == '/' || (url[i + 2] == '.' && i + 3 < url.Length && url[i + 3] == '/')))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsPort(string text)
        {
            if (text.Length < 1 || text.Length > 5 || text[0] == '0')
            {
                return false;
            }

            int value = 0;
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] < '0' || text[i] > '9')
                {
                    return false;
                }

                value = (value * 10) + (text[i] - '0');
            }

            return value <= 65535;
        }
    }
}
