namespace SecureDevice.Core.Storage
{
    /// <summary>Outcome of an <see cref="IFileStore"/> operation.</summary>
    public enum StorageStatus
    {
        /// <summary>Done.</summary>
        Ok = 0,

        /// <summary>The file or folder does not exist.</summary>
        NotFound = 1,

        /// <summary>The destination of a rename already exists.</summary>
        AlreadyExists = 2,

        /// <summary>The medium is full.</summary>
        Full = 3,

        /// <summary>Any other failure of the medium or file system.</summary>
        IoError = 4,

        /// <summary>Simulation only: power was cut during or before this operation; nothing after it happens.</summary>
        PowerLost = 5,
    }
}
