using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;

namespace SecureDevice.Core.FloodGuard
{
    /// <summary>
    /// Parses the payload of devices/{id}/down/throttle: <c>{"rate": N, "until": "YYYY-MM-DDTHH:MM:SSZ"}</c> with
    /// N messages (and connection attempts) per hour, 1..3600, and an end in the future but at most 24 hours ahead.
    /// Anything else (negative, huge, non-numeric, unknown members, more than <see cref="MaxPayloadBytes"/>) is rejected;
    /// the caller counts the rejection. A valid command can only slow the device: the policy and limiter take the stricter
    /// of it and their own budgets.
    /// </summary>
    public sealed class ThrottleCommandParser
    {
        /// <summary>Largest payload accepted.</summary>
        public const int MaxPayloadBytes = 256;

        /// <summary>Longest throttle accepted, seconds.</summary>
        public const long MaxDurationSeconds = 86400;

        private static readonly string[] Names = new string[] { "rate", "until" };
        private readonly DocumentReader _reader = new DocumentReader(2, 32);

        /// <summary>Where the last failure is.</summary>
        public DocumentReader Reader
        {
            get { return _reader; }
        }

        /// <summary>Parses <c>payload[offset, +count)</c> received at <paramref name="utcSeconds"/> (the device's synchronised time).</summary>
        /// <returns><see cref="DocumentStatus.Valid"/> with <paramref name="command"/> set, or the reason with it null.</returns>
        public DocumentStatus TryParse(byte[] payload, int offset, int count, long utcSeconds, out ThrottleCommand command)
        {
            command = null;
            ByteRange.Check(payload, offset, count);
            _reader.Reset(payload, offset, count);
            if (count > MaxPayloadBytes)
            {
                return _reader.Fail(DocumentStatus.TooLarge, null, MaxPayloadBytes);
            }

            long rate = 0;
            long until = 0;
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

                bool ok = member == 0 ? _reader.ReadInteger(1, 3600, out rate) : _reader.ReadTimestamp(out until);
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
                status = _reader.RequireMembers(Names, 3, seen, null, count);
            }

            if (status == DocumentStatus.Valid && (until <= utcSeconds || until - utcSeconds > MaxDurationSeconds))
            {
                status = _reader.Fail(DocumentStatus.InvalidValue, "until", count);
            }

            if (status == DocumentStatus.Valid)
            {
                command = new ThrottleCommand((int)rate, until);
            }

            return status;
        }
    }
}
