namespace SecureDevice.Core.Text
{
    /// <summary>
    /// Outcome of parsing a signed JSON document (manifest, delegation) or an inbound JSON message; where and in which member
    /// the problem is comes from <see cref="DocumentReader.ErrorOffset"/> and <see cref="DocumentReader.ErrorField"/>.
    /// </summary>
    public enum DocumentStatus
    {
        /// <summary>Not parsed (the initial, failing value).</summary>
        NotParsed = 0,

        /// <summary>Well-formed and within every limit.</summary>
        Valid = 1,

        /// <summary>Larger than the document's limit.</summary>
        TooLarge = 2,

        /// <summary>The binary framing around the JSON body is wrong (delegation files).</summary>
        BadFrame = 3,

        /// <summary>Not JSON, or JSON beyond the reader's limits.</summary>
        SyntaxError = 4,

        /// <summary>A member this format version does not define.</summary>
        UnknownField = 5,

        /// <summary>A member appears twice.</summary>
        DuplicateField = 6,

        /// <summary>A required member is absent.</summary>
        MissingField = 7,

        /// <summary>A member has the wrong type, is out of range or uses characters outside its safe set.</summary>
        InvalidValue = 8,

        /// <summary>The format version is not one this parser knows.</summary>
        UnsupportedFormat = 9,

        /// <summary>Members contradict each other.</summary>
        Inconsistent = 10,
    }
}
