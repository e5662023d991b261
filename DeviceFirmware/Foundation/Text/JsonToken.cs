namespace SecureDevice.Core.Text
{
    /// <summary>What <see cref="JsonReader.Read"/> found.</summary>
    public enum JsonToken
    {
        /// <summary>Nothing read yet, or the reader failed (see <see cref="JsonReader.Status"/>).</summary>
        None = 0,

        /// <summary>'{'.</summary>
        StartObject,

        /// <summary>'}'.</summary>
        EndObject,

        /// <summary>'['.</summary>
        StartArray,

        /// <summary>']'.</summary>
        EndArray,

        /// <summary>An object member name; <see cref="JsonReader.StringValue"/> holds it.</summary>
        PropertyName,

        /// <summary>A string value; <see cref="JsonReader.StringValue"/> holds it.</summary>
        String,

        /// <summary>An integer value; <see cref="JsonReader.IntegerValue"/> holds it.</summary>
        Integer,

        /// <summary>true or false; <see cref="JsonReader.BooleanValue"/> holds it.</summary>
        Boolean,

        /// <summary>null.</summary>
        Null,

        /// <summary>The single top-level value is complete and only white space follows.</summary>
        EndOfDocument,
    }
}
