using SecureDevice.Core.Text;

namespace SecureDevice.Core.Storage
{
    /// <summary>
    /// The device's flash file system as the core sees it (LittleFS on the ESP32's internal drive I:\). Paths are relative,
    /// '/'-separated and made of SafeName identifiers (Core/Bundle); the adapter maps them under its root.
    /// Semantics the core relies on, matching nanoFramework's System.IO.FileSystem on LittleFS:
    /// <list type="bullet">
    /// <item>a rename is atomic and never replaces an existing file (<see cref="StorageStatus.AlreadyExists"/>);</item>
    /// <item>a write, append or truncate interrupted by power loss may leave the file with any prefix of the new bytes,
    /// but never corrupts other files;</item>
    /// <item>delete of a missing file succeeds.</item>
    /// </list>
    /// Buffers stay owned by the caller. Implementations never throw for expected failures; they return a status.
    /// </summary>
    public interface IFileStore
    {
        /// <summary>Reads up to <paramref name="count"/> bytes at <paramref name="position"/>; <paramref name="read"/> is 0 at the end.</summary>
        StorageStatus Read(string path, long position, byte[] buffer, int offset, int count, out int read);

        /// <summary>The file's length in bytes.</summary>
        StorageStatus Length(string path, out long length);

        /// <summary>Creates or replaces the file's whole content.</summary>
        StorageStatus WriteAll(string path, byte[] data, int offset, int count);

        /// <summary>Appends to the file, creating it when missing.</summary>
        StorageStatus Append(string path, byte[] data, int offset, int count);

        /// <summary>Shortens the file to <paramref name="length"/> bytes (no-op when already shorter or equal).</summary>
        StorageStatus Truncate(string path, long length);

        /// <summary>Renames a file; fails with <see cref="StorageStatus.AlreadyExists"/> when <paramref name="to"/> exists.</summary>
        StorageStatus Rename(string from, string to);

        /// <summary>Deletes a file; succeeds when it does not exist.</summary>
        StorageStatus Delete(string path);

        /// <summary>Creates a folder and its parents; succeeds when it exists.</summary>
        StorageStatus CreateDirectory(string path);

        /// <summary>Adds the names (not paths) of the files directly in <paramref name="directory"/> to <paramref name="names"/>.</summary>
        StorageStatus ListFiles(string directory, System.Collections.ArrayList names);
    }
}
