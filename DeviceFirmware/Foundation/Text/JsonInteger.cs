namespace SecureDevice.Core.Text
{
    /// <summary>
    /// <see cref="JsonReader"/>'s integer syntax, stricter than RFC 8259: an optional '-', then digits without a leading
    /// zero, in the 64-bit range, and no fraction, exponent or letter after them. Pure; nothing here allocates.
    /// </summary>
    internal static class JsonInteger
    {
        /// <summary>
        /// Scans the integer that starts at <c>data[position]</c> ('-' or a digit) and ends before <paramref name="end"/>.
        /// </summary>
        /// <param name="data">The document.</param>
        /// <param name="position">In: the first byte. Out: the byte after the integer, or where the error was found.</param>
        /// <param name="end">End of the document (exclusive).</param>
        /// <param name="value">The integer (0 on an error).</param>
        /// <returns><see cref="JsonStatus.Ok"/>, or why the number is refused.</returns>
        internal static JsonStatus Scan(byte[] data, ref int position, int end, out long value)
        {
            value = 0;
            bool negative = false;
            if (data[position] == (byte)'-')
            {
                negative = true;
                position++;
            }

            if (position == end)
            {
                return JsonStatus.UnexpectedEnd;
            }

            byte first = data[position];
            if (first < (byte)'0' || first > (byte)'9')
            {
                return JsonStatus.BadNumber;
            }

            // Accumulate as a negative number so that long.MinValue is reachable without overflow.
            long accumulated = 0;
            int digits = 0;
            while (position < end && data[position] >= (byte)'0' && data[position] <= (byte)'9')
            {
                if (digits == 1 && first == (byte)'0')
                {
                    return JsonStatus.BadNumber;
                }

                int digit = data[position] - (byte)'0';
                if (accumulated < (long.MinValue + digit) / 10)
                {
                    return JsonStatus.BadNumber;
                }

                accumulated = (accumulated * 10) - digit;
                digits++;
                position++;
            }

            if (position < end)
            {
                byte after = data[position];
                if (after == (byte)'.' || after == (byte)'e' || after == (byte)'E' || IsIdentifierByte(after))
                {
                    return JsonStatus.BadNumber;
                }
            }

            if (!negative && accumulated == long.MinValue)
            {
                return JsonStatus.BadNumber;
            }

            value = negative ? accumulated : -accumulated;
            return JsonStatus.Ok;
        }

        /// <summary>True for the bytes that may not follow a number or a literal directly (letters, digits, '_').</summary>
        internal static bool IsIdentifierByte(byte b)
        {
            return (b >= (byte)'a' && b <= (byte)'z') || (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'0' && b <= (byte)'9') || b == (byte)'_';
        }
    }
}
