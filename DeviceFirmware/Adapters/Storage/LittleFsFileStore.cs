using System;
using System.Collections;
using System.IO;
using SecureDevice.Core;
using SecureDevice.Core.Storage;

namespace SecureDevice.Adapters.Storage
{
    /// <summary>
    /// <see cref="IFileStore"/> over nanoFramework's System.IO.FileSystem on the ESP32's internal LittleFS drive (I:\).
    /// Relative '/'-separated paths from the core are mapped under a root folder with '\' separators. As in the core's
    /// MemoryFileStore, folders are implicit: a write, append or rename creates the missing parent folders. Every
    /// expected failure is a <see cref="StorageStatus"/>; only caller bugs (bad buffer range, negative position or
    /// length, null path) throw. Not thread-safe: the core uses the store from one thread.
    /// </summary>
    public sealed class LittleFsFileStore : IFileStore
    {
        private readonly string _root;

        /// <summary>Creates a store rooted at <paramref name="root"/>.</summary>
        /// <param name="root">An absolute folder on a mounted drive, e.g. <c>I:\securedevice</c> (a trailing '\' is ignored).
        /// It is created on first use when missing.</param>
        public LittleFsFileStore(string root)
        {
            if (root == null || root.Length < 3 || root[1] != ':' || root[2] != '\\')
            {
                throw new ArgumentException("root must be an absolute path such as I:\\securedevice", "root");
            }

            // Kept without a trailing separator ("I:" for the drive root) so that paths are always _root + "\\" + relative.
            _root = root[root.Length - 1] == '\\' ? root.Substring(0, root.Length - 1) : root;
        }

        /// <summary>The absolute root folder, e.g. <c>I:\securedevice</c> or <c>I:\</c>.</summary>
        public string Root
        {
            get { return _root.Length == 2 ? _root + "\\" : _root; }
        }

        /// <inheritdoc />
        public StorageStatus Read(string path, long position, byte[] buffer, int offset, int count, out int read)
        {
            ByteRange.Check(buffer, offset, count);
            if (position < 0)
            {
                throw new ArgumentOutOfRangeException("position");
            }

            read = 0;
            string full = FullPath(path);
            try
            {
                if (!File.Exists(full))
                {
                    return StorageStatus.NotFound;
                }

                using (FileStream stream = new FileStream(full, FileMode.Open, FileAccess.Read))
                {
                    if (position >= stream.Length)
                    {
                        return StorageStatus.Ok;
                    }

                    stream.Seek(position, SeekOrigin.Begin);

                    // FileStream.Read may return fewer bytes than asked; the contract is "up to count, 0 only at the end".
                    while (read < count)
                    {
                        int chunk = stream.Read(buffer, offset + read, count - read);
                        if (chunk <= 0)
                        {
                            break;
                        }

                        read += chunk;
                    }
                }

                return StorageStatus.Ok;
            }
            catch (Exception error)
            {
                read = 0;
                return Classify(error);
            }
        }

        /// <inheritdoc />
        public StorageStatus Length(string path, out long length)
        {
            length = 0;
            string full = FullPath(path);
            try
            {
                if (!File.Exists(full))
                {
                    return StorageStatus.NotFound;
                }

                using (FileStream stream = new FileStream(full, FileMode.Open, FileAccess.Read))
                {
                    length = stream.Length;
                }

                return StorageStatus.Ok;
            }
            catch (Exception error)
            {
                length = 0;
                return Classify(error);
            }
        }

        /// <inheritdoc />
        public StorageStatus WriteAll(string path, byte[] data, int offset, int count)
        {
            // FileMode.Create truncates an existing file; the bytes are flushed to the medium before the handle closes,
            // so a later rename never publishes unwritten data.
            return Write(path, FileMode.Create, data, offset, count);
        }

        /// <inheritdoc />
        public StorageStatus Append(string path, byte[] data, int offset, int count)
        {
            // FileMode.Append (write-only) opens or creates the file and positions at its end.
            return Write(path, FileMode.Append, data, offset, count);
        }

        private StorageStatus Write(string path, FileMode mode, byte[] data, int offset, int count)
        {
            ByteRange.Check(data, offset, count);
            string full = FullPath(path);
            try
            {
                EnsureParent(full);
                using (FileStream stream = new FileStream(full, mode, FileAccess.Write))
                {
                    stream.Write(data, offset, count);
                    stream.Flush();
                }

                return StorageStatus.Ok;
            }
            catch (Exception error)
            {
                return Classify(error);
            }
        }

        /// <inheritdoc />
        public StorageStatus Truncate(string path, long length)
        {
            if (length < 0)
            {
                throw new ArgumentOutOfRangeException("length");
            }

            string full = FullPath(path);
            try
            {
                if (!File.Exists(full))
                {
                    return StorageStatus.NotFound;
                }

                using (FileStream stream = new FileStream(full, FileMode.Open, FileAccess.ReadWrite))
                {
                    if (stream.Length > length)
                    {
                        stream.SetLength(length);
                        stream.Flush();
                    }
                }

                return StorageStatus.Ok;
            }
            catch (Exception error)
            {
                return Classify(error);
            }
        }

        /// <inheritdoc />
        public StorageStatus Rename(string from, string to)
        {
            string fullFrom = FullPath(from);
            string fullTo = FullPath(to);
            try
            {
                if (!File.Exists(fullFrom))
                {
                    return StorageStatus.NotFound;
                }

                // File.Move refuses an existing destination too (IOException PathAlreadyExists); checking first gives
                // the status without an exception on the common path.
                if (File.Exists(fullTo))
                {
                    return StorageStatus.AlreadyExists;
                }

                EnsureParent(fullTo);
                File.Move(fullFrom, fullTo);
                return StorageStatus.Ok;
            }
            catch (Exception error)
            {
                return Classify(error);
            }
        }

        /// <inheritdoc />
        public StorageStatus Delete(string path)
        {
            string full = FullPath(path);
            try
            {
                // File.Delete is a no-op for a missing file, but throws DirectoryNotFound when its folder is missing.
                File.Delete(full);
                return StorageStatus.Ok;
            }
            catch (Exception error)
            {
                StorageStatus status = Classify(error);
                return status == StorageStatus.NotFound ? StorageStatus.Ok : status;
            }
        }

        /// <inheritdoc />
        public StorageStatus CreateDirectory(string path)
        {
            try
            {
                EnsureDirectory(FullPath(path));
                return StorageStatus.Ok;
            }
            catch (Exception error)
            {
                return Classify(error);
            }
        }

        /// <inheritdoc />
        public StorageStatus ListFiles(string directory, ArrayList names)
        {
            if (names == null)
            {
                throw new ArgumentNullException("names");
            }

            string full = FullPath(directory);
            try
            {
                // A missing folder holds no files (folders are implicit, as in MemoryFileStore).
                if (!Directory.Exists(full))
                {
                    return StorageStatus.Ok;
                }

                // GetFiles returns full paths; the contract wants bare names.
                string[] files = Directory.GetFiles(full);
                for (int i = 0; i < files.Length; i++)
                {
                    names.Add(Path.GetFileName(files[i]));
                }

                return StorageStatus.Ok;
            }
            catch (Exception error)
            {
                return Classify(error);
            }
        }

        /// <summary>
        /// Maps a failure to a status. Failures raised by the managed FileSystem code are <see cref="IOException"/>s with
        /// an error code; failures raised natively (LittleFS errors, a full medium included) arrive as plain exceptions
        /// without a readable code, so they are <see cref="StorageStatus.IoError"/>.
        /// </summary>
        private static StorageStatus Classify(Exception error)
        {
            IOException io = error as IOException;
            if (io == null)
            {
                return StorageStatus.IoError;
            }

            switch (io.ErrorCode)
            {
                case IOException.IOExceptionErrorCode.FileNotFound:
                case IOException.IOExceptionErrorCode.DirectoryNotFound:
                    return StorageStatus.NotFound;
                case IOException.IOExceptionErrorCode.PathAlreadyExists:
                    return StorageStatus.AlreadyExists;
                default:
                    return StorageStatus.IoError;
            }
        }

        /// <summary>The absolute path of a relative '/'-separated path ("" is the root itself).</summary>
        private string FullPath(string relative)
        {
            if (relative == null)
            {
                throw new ArgumentNullException("relative");
            }

            if (relative.Length == 0)
            {
                return Root;
            }

            // nanoFramework has no string.Replace: swap the separators in a copy of the characters.
            char[] characters = relative.ToCharArray();
            for (int i = 0; i < characters.Length; i++)
            {
                if (characters[i] == '/')
                {
                    characters[i] = '\\';
                }
            }

            return _root + "\\" + new string(characters);
        }

        /// <summary>Creates the folder holding <paramref name="fullPath"/> when it is missing (one check on the common path).</summary>
        private static void EnsureParent(string fullPath)
        {
            string parent = fullPath.Substring(0, fullPath.LastIndexOf('\\'));
            if (parent.Length > 2 && !Directory.Exists(parent))
            {
                EnsureDirectory(parent);
            }
        }

        /// <summary>
        /// Creates <paramref name="fullDirectory"/> and its missing parents one level at a time: the ESP32 LittleFS
        /// driver of current firmware creates parents itself, older drivers do not, and this works with both.
        /// </summary>
        private static void EnsureDirectory(string fullDirectory)
        {
            int start = fullDirectory.IndexOf('\\') + 1;
            if (start <= 0)
            {
                return;
            }

            for (int i = start; i <= fullDirectory.Length; i++)
            {
                if (i == fullDirectory.Length || fullDirectory[i] == '\\')
                {
                    string level = fullDirectory.Substring(0, i);
                    if (level.Length > start && !Directory.Exists(level))
                    {
                        Directory.CreateDirectory(level);
                    }
                }
            }
        }
    }
}
