namespace SecureDevice.Core.Text
{
    /// <summary>Why <see cref="JsonReader"/> stopped. Every value other than <see cref="Ok"/> is final for the document.</summary>
    public enum JsonStatus
    {
        /// <summary>No error so far.</summary>
        Ok = 0,

        /// <summary>The input ended inside a value.</summary>
        UnexpectedEnd,

        /// <summary>A character that cannot start or continue a token here.</summary>
        UnexpectedCharacter,

        /// <summary>Objects and arrays nest deeper than the reader's limit.</summary>
        TooDeep,

        /// <summary>A string is longer than the reader's limit (in characters).</summary>
        StringTooLong,

        /// <summary>A control character, an unknown escape or malformed UTF-8 inside a string.</summary>
        BadString,

        /// <summary>A number with a fraction, an exponent, a leading zero, or outside the 64-bit range.</summary>
        BadNumber,

        /// <summary>Something other than white space after the top-level value.</summary>
        TrailingContent,
    }
}
